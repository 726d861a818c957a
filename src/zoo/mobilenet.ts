// MobileNet v1 as keras.applications 2.2.4 builds it: conv1_pad, conv1, conv1_bn, conv1_relu
// (ReLU 6), conv_dw_N / conv_pw_N blocks with conv_pad_N before strided ones, and the
// conv_preds (1x1 conv) top. Alpha scales the widths, depthMultiplier the depthwise convs.
import { Model } from '../graph/model.ts';
import type { SymbolicTensor } from '../graph/symbolic.ts';
import { build, checkClasses, inputShapeFor, type Builder, type ZooOptions } from './common.ts';

export const MOBILENET_ALPHAS = [0.25, 0.5, 0.75, 1.0];

function dwBlock(b: Builder, x: SymbolicTensor, filters: number, alpha: number, mult: number, strides: number, id: number): SymbolicTensor {
  const pw = Math.trunc(filters * alpha);
  if (strides !== 1) x = b.pad(x, [[0, 1], [0, 1]], `conv_pad_${id}`);
  x = b.depthwise(x, { strides, padding: strides === 1 ? 'same' : 'valid', depthMultiplier: mult, name: `conv_dw_${id}` });
  x = b.bn(x, { name: `conv_dw_${id}_bn` });
  x = b.relu6(x, `conv_dw_${id}_relu`);
  x = b.conv(x, pw, 1, { padding: 'same', useBias: false, name: `conv_pw_${id}` });
  x = b.bn(x, { name: `conv_pw_${id}_bn` });
  return b.relu6(x, `conv_pw_${id}_relu`);
}

export function MobileNet(opts: ZooOptions = {}): Model {
  const includeTop = opts.includeTop ?? true;
  const alpha = opts.alpha ?? 1.0;
  const mult = opts.depthMultiplier ?? 1;
  if (!(alpha > 0)) throw new Error(`mobilenet: alpha must be positive, got ${alpha}`);
  const classes = checkClasses('mobilenet', opts);
  const shape = inputShapeFor('mobilenet', opts, 224, 32);
  return build(opts.shapeOnly ?? false, (b) => {
    const input = b.input(shape);
    let x = b.pad(input, [[0, 1], [0, 1]], 'conv1_pad');
    x = b.conv(x, Math.trunc(32 * alpha), 3, { strides: 2, useBias: false, name: 'conv1' });
    x = b.relu6(b.bn(x, { name: 'conv1_bn' }), 'conv1_relu');
    const blocks: [number, number][] = [
      [64, 1], [128, 2], [128, 1], [256, 2], [256, 1], [512, 2],
      [512, 1], [512, 1], [512, 1], [512, 1], [512, 1], [1024, 2], [1024, 1],
    ];
    blocks.forEach(([f, s], i) => (x = dwBlock(b, x, f, alpha, mult, s, i + 1)));
    if (includeTop) {
      const width = Math.trunc(1024 * alpha);
      x = b.gap(x);
      x = b.reshape(x, [1, 1, width], 'reshape_1');
      x = b.dropout(x, opts.dropout ?? 1e-3, 'dropout');
      x = b.conv(x, classes, 1, { padding: 'same', name: 'conv_preds' });
      x = b.act(x, 'softmax', 'act_softmax');
      x = b.reshape(x, [classes], 'reshape_2');
    } else x = b.pooling(x, opts.pooling);
    return new Model({ inputs: input, outputs: x, name: `mobilenet_${alpha.toFixed(2)}_${shape[0]}` });
  });
}
