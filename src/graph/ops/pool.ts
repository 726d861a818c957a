// Differentiable 2-D pooling (NHWC): max and average with TF geometry, and their global forms.
import { avgPool, avgPoolBackward, maxPool, maxPoolBackward, poolGeometry, type Padding, type PoolGeometry } from '../../kernels/pool.ts';
import { record } from '../tape.ts';
import { reshape } from './shape.ts';
import { shapeStr, type Tensor } from '../tensor.ts';

function pool(op: 'max' | 'avg', x: Tensor, g: PoolGeometry, name: string): Tensor {
  if (op === 'avg') {
    const y = avgPool(x, g);
    return record(name, [x], y, [], (dy) => [avgPoolBackward(dy, g)]);
  }
  const { y, arg } = maxPool(x, g);
  const out = record(name, [x], y, [arg], (dy, [a]) => [maxPoolBackward(dy, a, g)]);
  arg.dispose();
  return out;
}

export function maxPool2d(x: Tensor, poolSize: [number, number], strides: [number, number], padding: Padding = 'valid'): Tensor {
  return pool('max', x, poolGeometry(x.shape, poolSize, strides, padding, 'max_pool2d'), 'max_pool2d');
}

export function avgPool2d(x: Tensor, poolSize: [number, number], strides: [number, number], padding: Padding = 'valid'): Tensor {
  return pool('avg', x, poolGeometry(x.shape, poolSize, strides, padding, 'avg_pool2d'), 'avg_pool2d');
}

/** Max or mean over H and W of an NHWC tensor: [n, h, w, c] -> [n, c]. */
export function globalPool2d(op: 'max' | 'avg', x: Tensor): Tensor {
  const name = `global_${op}_pool2d`;
  if (x.rank !== 4) throw new Error(`${name}: expects an NHWC input, got ${shapeStr(x.shape)}`);
  const [n, h, w, c] = x.shape;
  const y4 = pool(op, x, poolGeometry(x.shape, [h, w], [1, 1], 'valid', name), name);
  return reshape(y4, [n, c], true);
}
