// ResNet50 as keras.applications 2.2.4 builds it: conv1_pad, conv1, bn_conv1, pool1_pad,
// res2a_branch2a ... fc1000; unnamed Activation/Add/MaxPooling2D layers get Keras's automatic names.
import { Model } from '../graph/model.ts';
import { heNormal } from '../graph/initializers.ts';
import type { SymbolicTensor } from '../graph/symbolic.ts';
import { build, checkClasses, inputShapeFor, type Builder, type ZooOptions } from './common.ts';

function block(b: Builder, input: SymbolicTensor, filters: [number, number, number], stage: number, id: string, strides: number | null): SymbolicTensor {
  const conv = `res${stage}${id}_branch`;
  const bn = `bn${stage}${id}_branch`;
  const [f1, f2, f3] = filters;
  let x = b.conv(input, f1, 1, { strides: strides ?? 1, name: `${conv}2a`, init: heNormal });
  x = b.act(b.bn(x, { name: `${bn}2a` }), 'relu');
  x = b.conv(x, f2, 3, { padding: 'same', name: `${conv}2b`, init: heNormal });
  x = b.act(b.bn(x, { name: `${bn}2b` }), 'relu');
  x = b.conv(x, f3, 1, { name: `${conv}2c`, init: heNormal });
  x = b.bn(x, { name: `${bn}2c` });
  let shortcut = input;
  if (strides !== null) {
    shortcut = b.conv(input, f3, 1, { strides, name: `${conv}1`, init: heNormal });
    shortcut = b.bn(shortcut, { name: `${bn}1` });
  }
  return b.act(b.add([x, shortcut]), 'relu');
}

export function ResNet50(opts: ZooOptions = {}): Model {
  const includeTop = opts.includeTop ?? true;
  const classes = checkClasses('resnet50', opts);
  const shape = inputShapeFor('resnet50', opts, 224, 32);
  return build(opts.shapeOnly ?? false, (b) => {
    const input = b.input(shape);
    let x = b.pad(input, [[3, 3], [3, 3]], 'conv1_pad');
    x = b.conv(x, 64, 7, { strides: 2, name: 'conv1', init: heNormal });
    x = b.act(b.bn(x, { name: 'bn_conv1' }), 'relu');
    x = b.pad(x, [[1, 1], [1, 1]], 'pool1_pad');
    x = b.maxPool(x, 3, 2);
    const stages: [number, [number, number, number], number, number][] = [
      [2, [64, 64, 256], 3, 1],
      [3, [128, 128, 512], 4, 2],
      [4, [256, 256, 1024], 6, 2],
      [5, [512, 512, 2048], 3, 2],
    ];
    for (const [stage, f, n, s] of stages) {
      for (let i = 0; i < n; i++) x = block(b, x, f, stage, 'abcdef'[i], i === 0 ? s : null);
    }
    if (includeTop) {
      x = b.gap(x, 'avg_pool');
      x = b.dense(x, classes, 'softmax', 'fc1000');
    } else x = b.pooling(x, opts.pooling);
    return new Model({ inputs: input, outputs: x, name: 'resnet50' });
  });
}
