import { describe, it, beforeAll, expect } from 'vitest';
import { testDevice, upload } from '../helpers/gpu.ts';
import { randomArray } from '../helpers/random.ts';
import { expectClose } from '../helpers/compare.ts';
import { numericGrad } from '../helpers/gradcheck.ts';
import { binary, type BinaryOp } from '../../src/kernels/elementwise.ts';
import { affine as affineKernel } from '../../src/kernels/scale.ts';
import { activation } from '../../src/graph/ops/activation.ts';
import { add, sub, mul, affine } from '../../src/graph/ops/arith.ts';
import { sum } from '../../src/graph/ops/reduce.ts';
import { backward } from '../../src/graph/tape.ts';
import { tidy } from '../../src/graph/scope.ts';
import { Variable, type Tensor } from '../../src/graph/tensor.ts';

const SELU_A = 1.6732632423543772, SELU_S = 1.0507009873554805;
const sig = (x: number) => 1 / (1 + Math.exp(-x));
const ACT: Record<string, (x: number, a: number) => number> = {
  relu: (x) => Math.max(x, 0),
  relu6: (x) => Math.min(Math.max(x, 0), 6),
  elu: (x, a) => (x > 0 ? x : a * (Math.exp(x) - 1)),
  selu: (x) => SELU_S * (x > 0 ? x : SELU_A * (Math.exp(x) - 1)),
  softplus: (x) => Math.log1p(Math.exp(x)),
  softsign: (x) => x / (1 + Math.abs(x)),
  sigmoid: sig,
  hard_sigmoid: (x) => Math.min(Math.max(0.2 * x + 0.5, 0), 1),
  tanh: Math.tanh,
  swish: (x) => x * sig(x),
  leaky_relu: (x, a) => (x > 0 ? x : a * x),
  thresholded_relu: (x, a) => (x > a ? x : 0),
};
const ALPHA: Record<string, number> = { elu: 0.7, leaky_relu: 0.3, thresholded_relu: 0.4 };
const KINKS = [0, 6, 2.5, -2.5, 0.4];

/** Runs f on variables holding `inputs`, seeds sum(f * dy), returns output and each input's grad. */
async function runGrad(inputs: { data: Float64Array; shape: number[] }[], f: (...v: Tensor[]) => Tensor, dy: Float64Array) {
  const vars = inputs.map((x, i) => Variable.create(Float32Array.from(x.data), x.shape, `in${i}`));
  const out = await tidy(() => {
    const y = f(...vars);
    const d = y.data();
    backward(sum(mul(y, upload(dy, [...y.shape]))));
    return d;
  });
  const grads = await Promise.all(vars.map((v) => v.grad!.data()));
  vars.forEach((v) => { v.zeroGrad(); v.dispose(); });
  return { out, grads };
}

describe('activations forward and backward', () => {
  beforeAll(testDevice);
  for (const name of Object.keys(ACT))
    for (const shape of [[1, 1], [3, 17]])
      it(`${name} ${JSON.stringify(shape)}`, async () => {
        const n = shape[0] * shape[1];
        // Keep clear of the kinks, where finite differences are meaningless.
        const x = randomArray(n, 5 + n, -7, 7).map((v) => (KINKS.some((k) => Math.abs(v - k) < 1e-3) ? v + 0.01 : v));
        const dy = randomArray(n, 6 + n);
        const a = ALPHA[name] ?? 0;
        const ref = (xx: Float64Array) => xx.map((v) => ACT[name](v, a));
        const { out, grads } = await runGrad([{ data: x, shape }], (v) => activation(v, name, a), dy);
        expectClose(out, ref(x), 1e-5, `${name} forward`);
        expectClose(grads[0], numericGrad(ref, x, dy), 2e-4, `${name} backward`);
      });
  it('unknown activation is named', () => {
    expect(() => tidy(() => activation(upload([1], [1]), 'gelu2'))).toThrow(/unknown activation 'gelu2'/);
  });
});

/** NumPy broadcasting on float64 arrays. */
function refBinary(op: (u: number, v: number) => number, a: Float64Array, as: number[], b: Float64Array, bs: number[]) {
  const rank = Math.max(as.length, bs.length);
  const pa = [...new Array(rank - as.length).fill(1), ...as], pb = [...new Array(rank - bs.length).fill(1), ...bs];
  const shape = pa.map((d, i) => Math.max(d, pb[i]));
  const n = shape.reduce((x, y) => x * y, 1);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let rem = i, ia = 0, ib = 0, sa = 1, sb = 1;
    for (let d = rank - 1; d >= 0; d--) {
      const c = rem % shape[d];
      rem = Math.floor(rem / shape[d]);
      if (pa[d] !== 1) ia += c * sa;
      if (pb[d] !== 1) ib += c * sb;
      sa *= pa[d];
      sb *= pb[d];
    }
    y[i] = op(a[ia], b[ib]);
  }
  return { y, shape };
}

const OPS: Record<BinaryOp, (u: number, v: number) => number> = {
  add: (u, v) => u + v, sub: (u, v) => u - v, mul: (u, v) => u * v, div: (u, v) => u / v, maximum: Math.max, minimum: Math.min,
};
const PAIRS: [number[], number[]][] = [[[3, 5], [5]], [[2, 1, 4], [3, 1]], [[1], [7]], [[2, 3, 4], [2, 3, 4]], [[], [4]], [[5, 1], [1, 3]], [[1, 2, 1, 3, 1], [2, 2, 1, 1]]];

describe('binary ops with broadcasting', () => {
  beforeAll(testDevice);
  for (const [as, bs] of PAIRS) {
    it(`kernels ${JSON.stringify(as)} and ${JSON.stringify(bs)}`, async () => {
      const a = randomArray(as.reduce((x, y) => x * y, 1), 1, 0.5, 2), b = randomArray(bs.reduce((x, y) => x * y, 1), 2, 0.5, 2);
      for (const op of Object.keys(OPS) as BinaryOp[]) {
        const r = refBinary(OPS[op], a, as, b, bs);
        const y = tidy(() => binary(op, upload(a, as), upload(b, bs)));
        expect(y.shape).toEqual(r.shape);
        expectClose(await y.data(), r.y, 1e-6, op);
        y.dispose();
      }
    });
    it(`add/sub/mul gradients ${JSON.stringify(as)} and ${JSON.stringify(bs)}`, async () => {
      const a = randomArray(as.reduce((x, y) => x * y, 1), 3), b = randomArray(bs.reduce((x, y) => x * y, 1), 4);
      const n = refBinary(OPS.add, a, as, b, bs).y.length;
      const dy = randomArray(n, 5);
      for (const [name, f] of [['add', add], ['sub', sub], ['mul', mul]] as const) {
        const { grads } = await runGrad([{ data: a, shape: as }, { data: b, shape: bs }], f, dy);
        expectClose(grads[0], numericGrad((aa) => refBinary(OPS[name], aa, as, b, bs).y, a, dy), 1e-4, `${name} da`);
        expectClose(grads[1], numericGrad((bb) => refBinary(OPS[name], a, as, bb, bs).y, b, dy), 1e-4, `${name} db`);
      }
    });
  }
  it('shapes that do not broadcast are named', () => {
    expect(() => tidy(() => binary('mul', upload(randomArray(6, 1), [2, 3]), upload(randomArray(4, 2), [4])))).toThrow(/mul: shapes \[2,3\] and \[4\] do not broadcast/);
  });
});

describe('scale (a * x + b)', () => {
  beforeAll(testDevice);
  for (const n of [1, 257, 1000])
    it(`n=${n}`, async () => {
      const x = randomArray(n, n), dy = randomArray(n, n + 1);
      const ref = (xx: Float64Array) => xx.map((v) => Math.fround(-1.5) * v + Math.fround(0.25));
      expectClose(await tidy(() => affineKernel(upload(x, [n]), -1.5, 0.25).data()), ref(x), 1e-6, 'affine');
      const { grads } = await runGrad([{ data: x, shape: [n] }], (v) => affine(v, -1.5, 0.25), dy);
      expectClose(grads[0], numericGrad(ref, x, dy), 1e-4, 'affine grad');
    });
});
