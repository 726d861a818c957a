import { describe, it, beforeAll, expect } from 'vitest';
import { testDevice, upload } from '../helpers/gpu.ts';
import { tidy } from '../../src/graph/scope.ts';
import { randomArray } from '../helpers/random.ts';
import { checkOp } from '../helpers/op-check.ts';
import { avgPool2d, globalPool2d, maxPool2d } from '../../src/graph/ops/pool.ts';
import { maxPool, maxPoolBackward, poolAxis, poolGeometry, type Padding } from '../../src/kernels/pool.ts';

/** float64 reference pooling, TF geometry: max ignores padding (first max wins), avg over valid elements. */
function refPool(op: 'max' | 'avg', x: Float64Array, [n, h, w, c]: number[], [ph, pw]: number[], [sh, sw]: number[], padding: Padding) {
  const [oh, pt] = poolAxis(h, ph, sh, padding);
  const [ow, pl] = poolAxis(w, pw, sw, padding);
  const y = new Float64Array(n * oh * ow * c);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let k = 0; k < c; k++) {
          let acc = op === 'max' ? -Infinity : 0;
          let cnt = 0;
          for (let u = 0; u < ph; u++)
            for (let v = 0; v < pw; v++) {
              const yy = i * sh - pt + u, xx = j * sw - pl + v;
              if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
              const val = x[((b * h + yy) * w + xx) * c + k];
              acc = op === 'max' ? Math.max(acc, val) : acc + val;
              cnt++;
            }
          y[((b * oh + i) * ow + j) * c + k] = op === 'max' ? acc : acc / cnt;
        }
  return y;
}

/** Distinct values spaced 2/n apart in random order, so finite differences never straddle a tie. */
function distinct(n: number, seed: number): Float64Array {
  const r = randomArray(n, seed);
  const order = [...r.keys()].sort((a, b) => r[a] - r[b]);
  const x = new Float64Array(n);
  order.forEach((i, rank) => (x[i] = Math.fround((rank / n) * 2 - 1 + 1 / (2 * n))));
  return x;
}

describe('pooling forward and backward', () => {
  beforeAll(testDevice);
  const shapes = [[1, 7, 5, 3], [2, 6, 9, 2]];
  const geos: [number[], number[]][] = [[[2, 2], [2, 2]], [[3, 3], [2, 2]], [[3, 2], [1, 2]], [[2, 3], [3, 1]], [[1, 1], [2, 2]]];
  let seed = 1;
  for (const op of ['max', 'avg'] as const)
    for (const shape of shapes)
      for (const [pool, strides] of geos)
        for (const padding of ['valid', 'same'] as Padding[])
          it(`${op} ${shape} pool ${pool} strides ${strides} ${padding}`, async () => {
            const x = (op === 'max' ? distinct : randomArray)(shape.reduce((a, b) => a * b), seed++);
            const f = op === 'max' ? maxPool2d : avgPool2d;
            await checkOp(`${op}_pool`, [{ data: x, shape }], ([t]) => f(t, pool as [number, number], strides as [number, number], padding), ([d]) => refPool(op, d, shape, pool, strides, padding));
          });

  it('max pool ties route the gradient to the first element of the window', async () => {
    const x = upload([1, 1, 3, 2, 1, 0.5, 3, 3], [1, 2, 4, 1]);
    const g = poolGeometry(x.shape, [2, 2], [2, 2], 'valid');
    const out = tidy(() => {
      const { y, arg } = maxPool(x, g);
      return [y.data(), maxPoolBackward(upload([10, 20], [1, 1, 2, 1]), arg, g).data()];
    });
    expect(Array.from(await out[0])).toEqual([1, 3]);
    expect(Array.from(await out[1])).toEqual([10, 0, 20, 0, 0, 0, 0, 0]);
    x.dispose();
  });

  for (const op of ['max', 'avg'] as const)
    for (const shape of [[1, 3, 5, 4], [3, 4, 2, 5]])
      it(`global ${op} ${shape}`, async () => {
        const x = distinct(shape.reduce((a, b) => a * b), seed++);
        const [n, h, w, c] = shape;
        await checkOp(`global_${op}`, [{ data: x, shape }], ([t]) => globalPool2d(op, t), ([d]) => refPool(op, d, shape, [h, w], [1, 1], 'valid').slice(0, n * c));
      });
});
