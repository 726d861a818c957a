import { describe, it, beforeAll, expect } from 'vitest';
import { testDevice, upload } from '../helpers/gpu.ts';
import { randomArray, rng } from '../helpers/random.ts';
import { expectClose } from '../helpers/compare.ts';
import { numericGrad } from '../helpers/gradcheck.ts';
import { backward } from '../../src/graph/tape.ts';
import { tidy } from '../../src/graph/scope.ts';
import { Variable, type Tensor } from '../../src/graph/tensor.ts';
import { softmax } from '../../src/graph/ops/softmax.ts';
import { activation } from '../../src/graph/ops/activation.ts';
import { endsInSoftmax, getLoss, categoricalCrossentropy, sparseCategoricalCrossentropy, binaryCrossentropy, type Target } from '../../src/train/losses.ts';

const EPS = 1e-7;
const clip = (v: number) => Math.min(Math.max(v, EPS), 1 - EPS);

/** Float64 references of Keras's losses: per-row terms then the mean. */
function refXent(p: Float64Array, t: ArrayLike<number>, cols: number, sparse: boolean, kind: 'logits' | 'probs', ls: number): number {
  const rows = p.length / cols;
  let total = 0;
  for (let r = 0; r < rows; r++) {
    const row = Array.from(p.subarray(r * cols, (r + 1) * cols));
    const tr = Array.from({ length: cols }, (_, j) => (sparse ? (j === t[r] ? 1 : 0) : t[r * cols + j]) * (1 - ls) + ls / cols);
    let q: number[];
    if (kind === 'logits') {
      // log-softmax directly, so that far-apart logits stay finite.
      const m = Math.max(...row);
      const lse = m + Math.log(row.reduce((a, x) => a + Math.exp(x - m), 0));
      total -= tr.reduce((a, tj, j) => a + tj * (row[j] - lse), 0);
      continue;
    } else if (!sparse) {
      const s = row.reduce((a, b) => a + b, 0);
      q = row.map((x) => clip(x / s));
    } else {
      const c = row.map(clip);
      const s = c.reduce((a, b) => a + b, 0);
      q = c.map((x) => x / s);
    }
    total -= tr.reduce((a, tj, j) => a + tj * Math.log(q[j]), 0);
  }
  return total / rows;
}

function refPointwise(kind: string, p: Float64Array, t: ArrayLike<number>, ls = 0, delta = 1): number {
  let s = 0;
  for (let i = 0; i < p.length; i++) {
    const x = p[i];
    const d = x - t[i];
    const ts = t[i] * (1 - ls) + 0.5 * ls;
    if (kind === 'mse') s += d * d;
    else if (kind === 'mae') s += Math.abs(d);
    else if (kind === 'huber') s += Math.abs(d) <= delta ? 0.5 * d * d : delta * (Math.abs(d) - 0.5 * delta);
    else if (kind === 'bce_probs') { const c = clip(x); s -= ts * Math.log(c + EPS) + (1 - ts) * Math.log(1 - c + EPS); }
    else s += Math.max(x, 0) - x * ts + Math.log(1 + Math.exp(-Math.abs(x)));
  }
  return s / p.length;
}

/** Runs a loss on a variable holding `p`, returns the loss value and d(loss)/d(p). */
async function run(p: Float64Array, shape: number[], f: (v: Tensor) => Tensor): Promise<{ value: number; grad: Float32Array }> {
  const v = Variable.create(Float32Array.from(p), shape, 'pred');
  const value = await tidy(() => {
    const l = f(v);
    expect(l.size).toBe(1);
    const d = l.data();
    backward(l);
    return d;
  });
  const grad = await v.grad!.data();
  v.zeroGrad();
  v.dispose();
  return { value: value[0], grad };
}

async function check(p: Float64Array, shape: number[], f: (v: Tensor) => Tensor, ref: (p: Float64Array) => number, tol = 1e-4): Promise<void> {
  const { value, grad } = await run(p, shape, f);
  expectClose([value], [ref(p)], 1e-5, 'loss');
  expectClose(grad, numericGrad((pp) => Float64Array.of(ref(pp)), p, Float64Array.of(1), 1e-6), tol, 'gradient');
}

const labels = (n: number, c: number, seed: number) => { const r = rng(seed); return Array.from({ length: n }, () => Math.floor(r() * c)); };
const oneHotSoft = (n: number, c: number, seed: number) => {
  const t = randomArray(n * c, seed, 0.1, 1);
  for (let r = 0; r < n; r++) { let s = 0; for (let j = 0; j < c; j++) s += t[r * c + j]; for (let j = 0; j < c; j++) t[r * c + j] /= s; }
  return Array.from(t, Math.fround);
};

describe('cross-entropy losses vs float64 references and finite differences', () => {
  beforeAll(testDevice);
  for (const [rows, cols] of [[1, 5], [6, 3], [3, 10]])
    for (const ls of [0, 0.1]) {
      it(`categorical from logits ${rows}x${cols} smoothing ${ls}`, async () => {
        const p = randomArray(rows * cols, rows + cols, -3, 3), t = oneHotSoft(rows, cols, 7);
        await check(p, [rows, cols], (v) => categoricalCrossentropy(v, t, { fromLogits: true, labelSmoothing: ls }), (pp) => refXent(pp, t, cols, false, 'logits', ls));
      });
      it(`categorical from probabilities (Keras clipping) ${rows}x${cols} smoothing ${ls}`, async () => {
        const p = randomArray(rows * cols, rows * cols, 0.05, 1), t = oneHotSoft(rows, cols, 8);
        await check(p, [rows, cols], (v) => categoricalCrossentropy(v, t, { labelSmoothing: ls }), (pp) => refXent(pp, t, cols, false, 'probs', ls), 1e-3);
      });
      it(`sparse from logits ${rows}x${cols} smoothing ${ls}`, async () => {
        const p = randomArray(rows * cols, 3 + rows, -3, 3), t = labels(rows, cols, 9);
        await check(p, [rows, cols], (v) => sparseCategoricalCrossentropy(v, t, { fromLogits: true, labelSmoothing: ls }), (pp) => refXent(pp, t, cols, true, 'logits', ls));
      });
      it(`sparse from probabilities ${rows}x${cols} smoothing ${ls}`, async () => {
        const p = randomArray(rows * cols, 4 + rows, 0.05, 1), t = labels(rows, cols, 10);
        await check(p, [rows, cols], (v) => sparseCategoricalCrossentropy(v, t, { labelSmoothing: ls }), (pp) => refXent(pp, t, cols, true, 'probs', ls), 1e-3);
      });
    }

  it('a softmax output takes the fused logits path (gradient reaches the logits)', async () => {
    const [rows, cols] = [4, 6];
    const x = randomArray(rows * cols, 21, -5, 5), t = labels(rows, cols, 22);
    await check(x, [rows, cols], (v) => sparseCategoricalCrossentropy(softmax(v), t), (xx) => refXent(xx, t, cols, true, 'logits', 0));
    const y = oneHotSoft(rows, cols, 23);
    await check(x, [rows, cols], (v) => getLoss('categorical_crossentropy')(softmax(v), y), (xx) => refXent(xx, y, cols, false, 'logits', 0));
  });

  it('logits far apart stay finite and exact; endsInSoftmax sees the fusable output', async () => {
    const x = Float64Array.from([1000, -1000, 0, -500, 500, 499]);
    const t = [1, 2];
    const { value, grad } = await run(x, [2, 3], (v) => {
      const y = softmax(v);
      expect(endsInSoftmax(y)).toBe(true);
      return sparseCategoricalCrossentropy(y, t);
    });
    expectClose([value], [refXent(x, t, 3, true, 'logits', 0)], 1e-5, 'loss');
    expect(Array.from(grad).every(Number.isFinite)).toBe(true);
    expectClose(grad, [0.5, -0.5, 0, 0, 0.5 * (1 / (1 + Math.exp(-1)) - 0), 0.5 * (1 / (1 + Math.exp(1)) - 1)], 1e-6, 'gradient');
  });

  it('with fuse: false a softmax output is clipped as probabilities', async () => {
    const x = Float64Array.from([30, 0, -30, 1, 2, 3]); // the first row has a probability below epsilon
    const t = [2, 0];
    const { value } = await run(x, [2, 3], (v) => sparseCategoricalCrossentropy(softmax(v), t, { fuse: false }));
    const probs = Float64Array.from([1, Math.exp(-30), Math.exp(-60), ...[1, 2, 3].map((v) => Math.exp(v) / (Math.exp(1) + Math.exp(2) + Math.exp(3)))]);
    expectClose([value], [refXent(probs, t, 3, true, 'probs', 0)], 1e-4);
  });

  for (const ls of [0, 0.2]) {
    it(`binary from probabilities and logits, smoothing ${ls}`, async () => {
      const p = randomArray(15, 31, 0.02, 0.98), t = labels(15, 2, 32);
      await check(p, [5, 3], (v) => binaryCrossentropy(v, t, { labelSmoothing: ls }), (pp) => refPointwise('bce_probs', pp, t, ls), 1e-3);
      const z = randomArray(7, 33, -4, 4), tz = randomArray(7, 34, 0, 1);
      await check(z, [7, 1], (v) => binaryCrossentropy(v, tz, { fromLogits: true, labelSmoothing: ls }), (zz) => refPointwise('bce_logits', zz, tz, ls));
    });
  }
  it('a sigmoid output takes the logits path', async () => {
    const z = randomArray(6, 41, -3, 3), t = labels(6, 2, 42);
    await check(z, [6, 1], (v) => binaryCrossentropy(activation(v, 'sigmoid'), t), (zz) => refPointwise('bce_logits', zz, t));
  });
});

describe('regression losses', () => {
  beforeAll(testDevice);
  for (const name of ['mse', 'mae', 'huber'])
    for (const shape of [[1, 1], [5, 3], [2, 3, 2]])
      it(`${name} ${JSON.stringify(shape)}`, async () => {
        const n = shape.reduce((a, b) => a * b, 1);
        const p = randomArray(n, 50 + n, -3, 3), t = Array.from(randomArray(n, 60 + n, -3, 3));
        const ref = (pp: Float64Array) => refPointwise(name, pp, t);
        await check(p, shape, (v) => getLoss(name)(v, t), ref, 1e-3);
      });
  it('sample weights give sum(w_i * loss_i) / batch', async () => {
    const p = randomArray(6, 70), t = Array.from(randomArray(6, 71)), w = [0.5, 2, 1];
    const ref = (pp: Float64Array) => {
      let s = 0;
      for (let r = 0; r < 3; r++) s += w[r] * refPointwise('mse', pp.subarray(r * 2, r * 2 + 2), t.slice(r * 2, r * 2 + 2));
      return s / 3;
    };
    await check(p, [3, 2], (v) => getLoss('mse')(v, t, upload(w, [3])), ref);
  });
});

describe('loss input errors name the op', () => {
  beforeAll(testDevice);
  const bad = (f: () => unknown, re: RegExp) => expect(() => tidy(f)).toThrow(re);
  it('label out of range, not an integer, NaN target, wrong sizes, unknown names', () => {
    const p = () => upload(randomArray(6, 1), [2, 3]);
    bad(() => sparseCategoricalCrossentropy(p(), [0, 3]), /sparse_categorical_crossentropy: label 3 at index 1 is not a class index in \[0, 3\)/);
    bad(() => sparseCategoricalCrossentropy(p(), [0, 1.5]), /label 1.5/);
    bad(() => sparseCategoricalCrossentropy(p(), [0]), /sparse_categorical_crossentropy: target has 1 values, expected 2/);
    bad(() => categoricalCrossentropy(p(), [1, 0, 0, 0, NaN, 0] as Target), /categorical_crossentropy: target holds NaN at index 4/);
    bad(() => getLoss('mse')(p(), upload([1, 2], [2])), /mean_squared_error: target \[2\] has 2 values, expected 6/);
    bad(() => categoricalCrossentropy(p(), [1, 0, 0, 0, 1, 0], { labelSmoothing: 2 }), /label_smoothing 2/);
    expect(() => getLoss('hinge')).toThrow(/unknown loss 'hinge'/);
  });
  it('a label tensor out of range gives NaN, not a wrong number', async () => {
    const v = await tidy(() => sparseCategoricalCrossentropy(upload(randomArray(6, 1), [2, 3]), upload([0, 7], [2])).data());
    expect(Number.isNaN(v[0])).toBe(true);
  });
});
