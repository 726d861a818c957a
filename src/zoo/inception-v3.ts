// InceptionV3 as keras.applications 2.2.4 builds it: conv2d_bn blocks with automatic names
// (conv2d_1, batch_normalization_1 (scale=False), activation_1, ...), mixed0 ... mixed10.
import { Model } from '../graph/model.ts';
import type { SymbolicTensor } from '../graph/symbolic.ts';
import { build, checkClasses, inputShapeFor, type Builder, type ZooOptions } from './common.ts';

function convBn(b: Builder, x: SymbolicTensor, filters: number, rows: number, cols: number, padding: 'same' | 'valid' = 'same', strides = 1): SymbolicTensor {
  x = b.conv(x, filters, [rows, cols], { strides, padding, useBias: false });
  x = b.bn(x, { scale: false });
  return b.act(x, 'relu');
}

export function InceptionV3(opts: ZooOptions = {}): Model {
  const includeTop = opts.includeTop ?? true;
  const classes = checkClasses('inception_v3', opts);
  const shape = inputShapeFor('inception_v3', opts, 299, 75);
  return build(opts.shapeOnly ?? false, (b) => {
    const cb = (x: SymbolicTensor, f: number, r: number, c: number, p: 'same' | 'valid' = 'same', s = 1) => convBn(b, x, f, r, c, p, s);
    const input = b.input(shape);
    let x = cb(input, 32, 3, 3, 'valid', 2);
    x = cb(x, 32, 3, 3, 'valid');
    x = cb(x, 64, 3, 3);
    x = b.maxPool(x, 3, 2);
    x = cb(x, 80, 1, 1, 'valid');
    x = cb(x, 192, 3, 3, 'valid');
    x = b.maxPool(x, 3, 2);

    // mixed 0, 1, 2: 35 x 35 x 256/288
    for (const [i, poolF] of [[0, 32], [1, 64], [2, 64]]) {
      const b1 = cb(x, 64, 1, 1);
      let b5 = cb(x, 48, 1, 1);
      b5 = cb(b5, 64, 5, 5);
      let bd = cb(x, 64, 1, 1);
      bd = cb(bd, 96, 3, 3);
      bd = cb(bd, 96, 3, 3);
      let bp = b.avgPool(x, 3, 1, 'same');
      bp = cb(bp, poolF, 1, 1);
      x = b.concat([b1, b5, bd, bp], `mixed${i}`);
    }
    // mixed 3: 17 x 17 x 768
    {
      const b3 = cb(x, 384, 3, 3, 'valid', 2);
      let bd = cb(x, 64, 1, 1);
      bd = cb(bd, 96, 3, 3);
      bd = cb(bd, 96, 3, 3, 'valid', 2);
      const bp = b.maxPool(x, 3, 2);
      x = b.concat([b3, bd, bp], 'mixed3');
    }
    // mixed 4, 5, 6, 7: 17 x 17 x 768
    for (const [i, f] of [[4, 128], [5, 160], [6, 160], [7, 192]]) {
      const b1 = cb(x, 192, 1, 1);
      let b7 = cb(x, f, 1, 1);
      b7 = cb(b7, f, 1, 7);
      b7 = cb(b7, 192, 7, 1);
      let bd = cb(x, f, 1, 1);
      bd = cb(bd, f, 7, 1);
      bd = cb(bd, f, 1, 7);
      bd = cb(bd, f, 7, 1);
      bd = cb(bd, 192, 1, 7);
      let bp = b.avgPool(x, 3, 1, 'same');
      bp = cb(bp, 192, 1, 1);
      x = b.concat([b1, b7, bd, bp], `mixed${i}`);
    }
    // mixed 8: 8 x 8 x 1280
    {
      let b3 = cb(x, 192, 1, 1);
      b3 = cb(b3, 320, 3, 3, 'valid', 2);
      let b7 = cb(x, 192, 1, 1);
      b7 = cb(b7, 192, 1, 7);
      b7 = cb(b7, 192, 7, 1);
      b7 = cb(b7, 192, 3, 3, 'valid', 2);
      const bp = b.maxPool(x, 3, 2);
      x = b.concat([b3, b7, bp], 'mixed8');
    }
    // mixed 9, 10: 8 x 8 x 2048
    for (let i = 0; i < 2; i++) {
      const b1 = cb(x, 320, 1, 1);
      let b3 = cb(x, 384, 1, 1);
      const b31 = cb(b3, 384, 1, 3);
      const b32 = cb(b3, 384, 3, 1);
      b3 = b.concat([b31, b32], `mixed9_${i}`);
      let bd = cb(x, 448, 1, 1);
      bd = cb(bd, 384, 3, 3);
      const bd1 = cb(bd, 384, 1, 3);
      const bd2 = cb(bd, 384, 3, 1);
      bd = b.concat([bd1, bd2]);
      let bp = b.avgPool(x, 3, 1, 'same');
      bp = cb(bp, 192, 1, 1);
      x = b.concat([b1, b3, bd, bp], `mixed${9 + i}`);
    }
    if (includeTop) {
      x = b.gap(x, 'avg_pool');
      x = b.dense(x, classes, 'softmax', 'predictions');
    } else x = b.pooling(x, opts.pooling);
    return new Model({ inputs: input, outputs: x, name: 'inception_v3' });
  });
}
