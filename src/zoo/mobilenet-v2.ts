// MobileNetV2 as keras.applications 2.2.4 builds it: Conv1_pad, Conv1, bn_Conv1, Conv1_relu,
// expanded_conv_* and block_N_* inverted residual blocks (block_N_pad before strided depthwise
// convs, block_N_add on residuals), Conv_1, Conv_1_bn, out_relu, then the Logits top.
import { Model } from '../graph/model.ts';
import type { SymbolicTensor } from '../graph/symbolic.ts';
import { build, checkClasses, inputShapeFor, type Builder, type ZooOptions } from './common.ts';

/** keras_applications' _make_divisible. */
export function makeDivisible(v: number, divisor: number): number {
  let n = Math.max(divisor, Math.floor(Math.trunc(v + divisor / 2) / divisor) * divisor);
  if (n < 0.9 * v) n += divisor;
  return n;
}

/** keras_applications' correct_pad for a 3x3 stride-2 convolution. */
function correctPad(x: SymbolicTensor): [[number, number], [number, number]] {
  const [h, w] = x.shape;
  return [[h % 2, 1], [w % 2, 1]];
}

const BN = { epsilon: 1e-3, momentum: 0.999 };

function invertedRes(b: Builder, input: SymbolicTensor, expansion: number, stride: number, alpha: number, filters: number, id: number): SymbolicTensor {
  const inChannels = input.shape[2];
  const outChannels = makeDivisible(Math.trunc(filters * alpha), 8);
  const prefix = id ? `block_${id}_` : 'expanded_conv_';
  let x = input;
  if (id) {
    x = b.conv(x, expansion * inChannels, 1, { padding: 'same', useBias: false, name: `${prefix}expand` });
    x = b.bn(x, { ...BN, name: `${prefix}expand_BN` });
    x = b.relu6(x, `${prefix}expand_relu`);
  }
  if (stride === 2) x = b.pad(x, correctPad(x), `${prefix}pad`);
  x = b.depthwise(x, { strides: stride, padding: stride === 1 ? 'same' : 'valid', name: `${prefix}depthwise` });
  x = b.bn(x, { ...BN, name: `${prefix}depthwise_BN` });
  x = b.relu6(x, `${prefix}depthwise_relu`);
  x = b.conv(x, outChannels, 1, { padding: 'same', useBias: false, name: `${prefix}project` });
  x = b.bn(x, { ...BN, name: `${prefix}project_BN` });
  if (inChannels === outChannels && stride === 1) x = b.add([input, x], `${prefix}add`);
  return x;
}

export function MobileNetV2(opts: ZooOptions = {}): Model {
  const includeTop = opts.includeTop ?? true;
  const alpha = opts.alpha ?? 1.0;
  if (!(alpha > 0)) throw new Error(`mobilenet_v2: alpha must be positive, got ${alpha}`);
  const classes = checkClasses('mobilenet_v2', opts);
  const shape = inputShapeFor('mobilenet_v2', opts, 224, 32);
  return build(opts.shapeOnly ?? false, (b) => {
    const input = b.input(shape);
    let x = b.pad(input, correctPad(input), 'Conv1_pad');
    x = b.conv(x, makeDivisible(32 * alpha, 8), 3, { strides: 2, useBias: false, name: 'Conv1' });
    x = b.bn(x, { ...BN, name: 'bn_Conv1' });
    x = b.relu6(x, 'Conv1_relu');
    // [filters, stride, expansion] for blocks 0..16.
    const blocks: [number, number, number][] = [
      [16, 1, 1],
      [24, 2, 6], [24, 1, 6],
      [32, 2, 6], [32, 1, 6], [32, 1, 6],
      [64, 2, 6], [64, 1, 6], [64, 1, 6], [64, 1, 6],
      [96, 1, 6], [96, 1, 6], [96, 1, 6],
      [160, 2, 6], [160, 1, 6], [160, 1, 6],
      [320, 1, 6],
    ];
    blocks.forEach(([f, s, e], i) => (x = invertedRes(b, x, e, s, alpha, f, i)));
    const last = alpha > 1 ? makeDivisible(1280 * alpha, 8) : 1280;
    x = b.conv(x, last, 1, { useBias: false, name: 'Conv_1' });
    x = b.bn(x, { ...BN, name: 'Conv_1_bn' });
    x = b.relu6(x, 'out_relu');
    if (includeTop) {
      x = b.gap(x);
      x = b.dense(x, classes, 'softmax', 'Logits');
    } else x = b.pooling(x, opts.pooling);
    return new Model({ inputs: input, outputs: x, name: `mobilenetv2_${alpha.toFixed(2)}_${shape[0]}` });
  });
}
