// Xception as keras.applications 2.2.4 builds it: block1_conv1/2 (+ _bn, _act), entry-flow blocks
// 2-4 with a strided 1x1 residual conv (automatic names conv2d_N / batch_normalization_N, add_N),
// middle-flow blocks 5-12 (three separable convs of 728 on an identity residual), block 13 and
// the block14 separable convs, then avg_pool + predictions. 22,910,480 parameters with the top.
import { Model } from '../graph/model.ts';
import { SeparableConv2D } from '../graph/layers/separable-conv2d.ts';
import type { SymbolicTensor } from '../graph/symbolic.ts';
import { build, checkClasses, inputShapeFor, type Builder, type ZooOptions } from './common.ts';

function sep(b: Builder, x: SymbolicTensor, filters: number, name: string): SymbolicTensor {
  const init = b.init ? { depthwiseInitializer: b.init, pointwiseInitializer: b.init } : {};
  return new SeparableConv2D({ filters, kernelSize: [3, 3], padding: 'same', useBias: false, name, ...init }).apply(x);
}

export function Xception(opts: ZooOptions = {}): Model {
  const includeTop = opts.includeTop ?? true;
  const classes = checkClasses('xception', opts);
  const shape = inputShapeFor('xception', opts, 299, 71);
  return build(opts.shapeOnly ?? false, (b) => {
    const input = b.input(shape);
    let x = b.conv(input, 32, 3, { strides: 2, useBias: false, name: 'block1_conv1' });
    x = b.bn(x, { name: 'block1_conv1_bn' });
    x = b.act(x, 'relu', 'block1_conv1_act');
    x = b.conv(x, 64, 3, { useBias: false, name: 'block1_conv2' });
    x = b.bn(x, { name: 'block1_conv2_bn' });
    x = b.act(x, 'relu', 'block1_conv2_act');

    // Entry flow: blocks 2-4 and (with 728 -> 1024) block 13 share this shape.
    const entry = (x: SymbolicTensor, block: number, f1: number, f2: number, firstAct: boolean): SymbolicTensor => {
      let residual = b.conv(x, f2, 1, { strides: 2, padding: 'same', useBias: false });
      residual = b.bn(residual);
      const p = `block${block}_sepconv`;
      if (firstAct) x = b.act(x, 'relu', `${p}1_act`);
      x = sep(b, x, f1, `${p}1`);
      x = b.bn(x, { name: `${p}1_bn` });
      x = b.act(x, 'relu', `${p}2_act`);
      x = sep(b, x, f2, `${p}2`);
      x = b.bn(x, { name: `${p}2_bn` });
      x = b.maxPool(x, 3, 2, 'same', `block${block}_pool`);
      return b.add([x, residual]);
    };
    x = entry(x, 2, 128, 128, false);
    x = entry(x, 3, 256, 256, true);
    x = entry(x, 4, 728, 728, true);
    for (let i = 0; i < 8; i++) {
      const residual = x;
      const p = `block${i + 5}_sepconv`;
      for (let j = 1; j <= 3; j++) {
        x = b.act(x, 'relu', `${p}${j}_act`);
        x = sep(b, x, 728, `${p}${j}`);
        x = b.bn(x, { name: `${p}${j}_bn` });
      }
      x = b.add([x, residual]);
    }
    x = entry(x, 13, 728, 1024, true);
    x = sep(b, x, 1536, 'block14_sepconv1');
    x = b.bn(x, { name: 'block14_sepconv1_bn' });
    x = b.act(x, 'relu', 'block14_sepconv1_act');
    x = sep(b, x, 2048, 'block14_sepconv2');
    x = b.bn(x, { name: 'block14_sepconv2_bn' });
    x = b.act(x, 'relu', 'block14_sepconv2_act');
    if (includeTop) {
      x = b.gap(x, 'avg_pool');
      x = b.dense(x, classes, 'softmax', 'predictions');
    } else x = b.pooling(x, opts.pooling);
    return new Model({ inputs: input, outputs: x, name: 'xception' });
  });
}
