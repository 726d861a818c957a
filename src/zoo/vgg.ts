// VGG16 and VGG19 as keras.applications 2.2.4 builds them (block1_conv1 ... fc1, fc2, predictions).
import { Model } from '../graph/model.ts';
import { build, checkClasses, inputShapeFor, type ZooOptions } from './common.ts';

function vgg(name: 'vgg16' | 'vgg19', convs: number[], opts: ZooOptions): Model {
  const includeTop = opts.includeTop ?? true;
  const classes = checkClasses(name, opts);
  const shape = inputShapeFor(name, opts, 224, 32);
  return build(opts.shapeOnly ?? false, (b) => {
    const input = b.input(shape);
    let x = input;
    const widths = [64, 128, 256, 512, 512];
    convs.forEach((n, i) => {
      for (let j = 1; j <= n; j++) x = b.conv(x, widths[i], 3, { padding: 'same', activation: 'relu', name: `block${i + 1}_conv${j}` });
      x = b.maxPool(x, 2, 2, 'valid', `block${i + 1}_pool`);
    });
    if (includeTop) {
      x = b.flatten(x, 'flatten');
      x = b.dense(x, 4096, 'relu', 'fc1');
      x = b.dense(x, 4096, 'relu', 'fc2');
      x = b.dense(x, classes, 'softmax', 'predictions');
    } else x = b.pooling(x, opts.pooling);
    return new Model({ inputs: input, outputs: x, name });
  });
}

export const VGG16 = (opts: ZooOptions = {}): Model => vgg('vgg16', [2, 2, 3, 3, 3], opts);
export const VGG19 = (opts: ZooOptions = {}): Model => vgg('vgg19', [2, 2, 4, 4, 4], opts);
