import { describe, it, beforeAll, expect } from 'vitest';
import { testDevice, upload } from '../helpers/gpu.ts';
import { randomArray } from '../helpers/random.ts';
import { expectClose } from '../helpers/compare.ts';
import { numericGrad } from '../helpers/gradcheck.ts';
import { softmax } from '../../src/graph/ops/softmax.ts';
import { argmax } from '../../src/kernels/softmax.ts';
import { mul } from '../../src/graph/ops/arith.ts';
import { sum } from '../../src/graph/ops/reduce.ts';
import { backward } from '../../src/graph/tape.ts';
import { tidy } from '../../src/graph/scope.ts';
import { Variable } from '../../src/graph/tensor.ts';

export function refSoftmax(x: Float64Array, cols: number): Float64Array {
  const y = new Float64Array(x.length);
  for (let r = 0; r < x.length / cols; r++) {
    let m = -Infinity;
    for (let j = 0; j < cols; j++) m = Math.max(m, x[r * cols + j]);
    let s = 0;
    for (let j = 0; j < cols; j++) s += (y[r * cols + j] = Math.exp(x[r * cols + j] - m));
    for (let j = 0; j < cols; j++) y[r * cols + j] /= s;
  }
  return y;
}

describe('softmax over the last axis', () => {
  beforeAll(testDevice);
  for (const shape of [[1, 7], [5, 3], [2, 3, 9], [4, 1]])
    it(`forward and backward ${JSON.stringify(shape)}`, async () => {
      const n = shape.reduce((a, b) => a * b, 1);
      const cols = shape[shape.length - 1];
      const x = randomArray(n, 11 + n, -4, 4), dy = randomArray(n, 12 + n);
      const v = Variable.create(Float32Array.from(x), shape, 'x');
      const y = await tidy(() => {
        const y = softmax(v);
        const d = y.data();
        backward(sum(mul(y, upload(dy, shape))));
        return d;
      });
      expectClose(y, refSoftmax(x, cols), 1e-6, 'softmax');
      expectClose(await v.grad!.data(), numericGrad((xx) => refSoftmax(xx, cols), x, dy), 1e-4, 'softmax grad');
      v.zeroGrad();
      v.dispose();
    });

  it('is stable for large logits', async () => {
    const y = await tidy(() => softmax(upload([1000, 999, -1000, 0, 0, 0], [2, 3])).data());
    expectClose(y, refSoftmax(Float64Array.from([1000, 999, -1000, 0, 0, 0]), 3), 1e-6);
  });
});

describe('argmax over the last axis', () => {
  beforeAll(testDevice);
  for (const shape of [[1, 5], [7, 3], [2, 3, 11]])
    it(`${JSON.stringify(shape)}`, async () => {
      const n = shape.reduce((a, b) => a * b, 1);
      const cols = shape[shape.length - 1];
      const x = randomArray(n, 30 + n);
      const out = await tidy(() => argmax(upload(x, shape)).data());
      const ref = Array.from({ length: n / cols }, (_, r) => {
        let b = 0;
        for (let j = 1; j < cols; j++) if (x[r * cols + j] > x[r * cols + b]) b = j;
        return b;
      });
      expect(Array.from(out)).toEqual(ref);
    });
  it('first index on ties', async () => {
    expect(Array.from(await tidy(() => argmax(upload([1, 3, 3, 2], [1, 4])).data()))).toEqual([1]);
  });
  it('refuses a scalar', () => {
    expect(() => tidy(() => argmax(upload([1], [])))).toThrow(/argmax/);
  });
});
