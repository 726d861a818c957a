import { describe, it, beforeAll, expect } from 'vitest';
import { testDevice, upload } from '../helpers/gpu.ts';
import { randomArray } from '../helpers/random.ts';
import { expectClose } from '../helpers/compare.ts';
import { numericGrad } from '../helpers/gradcheck.ts';
import { reduce, sumToShape, type ReduceOp } from '../../src/kernels/reduce.ts';
import { sum, mean } from '../../src/graph/ops/reduce.ts';
import { mul } from '../../src/graph/ops/arith.ts';
import { backward } from '../../src/graph/tape.ts';
import { tidy } from '../../src/graph/scope.ts';
import { Variable } from '../../src/graph/tensor.ts';

/** Float64 reduction of x over `axes`, keeping them as 1s; returns values and kept shape. */
function refReduce(op: ReduceOp, x: Float64Array, shape: number[], axes: number[]) {
  const out = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const n = out.reduce((a, b) => a * b, 1);
  const acc = new Float64Array(n).fill(op === 'max' ? -Infinity : op === 'min' ? Infinity : 0);
  const cnt = shape.filter((_, i) => axes.includes(i)).reduce((a, b) => a * b, 1);
  for (let i = 0; i < x.length; i++) {
    let rem = i, o = 0, s = 1;
    for (let d = shape.length - 1; d >= 0; d--) {
      const c = rem % shape[d];
      rem = Math.floor(rem / shape[d]);
      if (!axes.includes(d)) o += c * s;
      s *= out[d];
    }
    acc[o] = op === 'max' ? Math.max(acc[o], x[i]) : op === 'min' ? Math.min(acc[o], x[i]) : acc[o] + x[i];
  }
  if (op === 'mean') for (let i = 0; i < n; i++) acc[i] /= cnt;
  return { y: acc, shape: out };
}

const CASES: [number[], number[]][] = [[[7], [0]], [[3, 5], [1]], [[3, 5], [0]], [[2, 3, 4], [0, 2]], [[2, 3, 4], [1]], [[1, 3, 1, 5], [0, 1, 2, 3]], [[4, 2, 3], [-1]]];

describe('reductions', () => {
  beforeAll(testDevice);
  for (const [shape, axes] of CASES) {
    const pos = axes.map((a) => (a < 0 ? a + shape.length : a));
    it(`sum/mean/max/min of ${JSON.stringify(shape)} over ${JSON.stringify(axes)}`, async () => {
      const x = randomArray(shape.reduce((a, b) => a * b, 1), shape.length * 7 + axes.length);
      for (const op of ['sum', 'mean', 'max', 'min'] as ReduceOp[]) {
        const r = refReduce(op, x, shape, pos);
        for (const keep of [true, false]) {
          const y = tidy(() => reduce(op, upload(x, shape), axes, keep));
          expect(y.shape).toEqual(keep ? r.shape : shape.filter((_, i) => !pos.includes(i)));
          expectClose(await y.data(), r.y, 1e-5, `${op}`);
          y.dispose();
        }
      }
    });
    it(`sum/mean gradients of ${JSON.stringify(shape)} over ${JSON.stringify(axes)}`, async () => {
      const n = shape.reduce((a, b) => a * b, 1);
      const x = randomArray(n, n + 3);
      for (const [name, f] of [['sum', sum], ['mean', mean]] as const) {
        const r = refReduce(name, x, shape, pos);
        const dy = randomArray(r.y.length, 9);
        const v = Variable.create(Float32Array.from(x), shape, 'x');
        tidy(() => {
          const y = f(v, axes, true);
          backward(sum(mul(y, upload(dy, r.shape))));
        });
        expectClose(await v.grad!.data(), numericGrad((xx) => refReduce(name, xx, shape, pos).y, x, dy), 1e-4, `${name} grad`);
        v.zeroGrad();
        v.dispose();
      }
    });
  }
  it('sumToShape undoes broadcasting', async () => {
    const x = randomArray(24, 4);
    const y = tidy(() => sumToShape(upload(x, [2, 3, 4]), [3, 1]));
    expect(y.shape).toEqual([3, 1]);
    const r = refReduce('sum', x, [2, 3, 4], [0, 2]);
    expectClose(await y.data(), r.y, 1e-5);
    y.dispose();
  });
  it('an axis out of range is named', () => {
    expect(() => tidy(() => reduce('sum', upload([1, 2], [2]), [1]))).toThrow(/sum: axis 1 out of range for \[2\]/);
  });
});
