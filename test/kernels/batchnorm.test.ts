import { describe, it, beforeAll } from 'vitest';
import { testDevice } from '../helpers/gpu.ts';
import { randomArray } from '../helpers/random.ts';
import { expectClose } from '../helpers/compare.ts';
import { checkOp, type OpInput } from '../helpers/op-check.ts';
import { batchNorm } from '../../src/graph/ops/batchnorm.ts';
import { tidy } from '../../src/graph/scope.ts';
import { Tensor, Variable } from '../../src/graph/tensor.ts';

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** Channel index of each flat element and channel count for axis `axis` of `shape`. */
function channelOf(shape: number[], axis: number) {
  const a = axis < 0 ? axis + shape.length : axis;
  const inner = size(shape.slice(a + 1));
  return { c: shape[a], ch: (i: number) => Math.floor(i / inner) % shape[a] };
}

/** float64 batch mean and biased variance per channel. */
function moments(x: Float64Array, shape: number[], axis: number) {
  const { c, ch } = channelOf(shape, axis);
  const mean = new Float64Array(c), v = new Float64Array(c), cnt = new Float64Array(c);
  x.forEach((val, i) => ((mean[ch(i)] += val), cnt[ch(i)]++));
  mean.forEach((_, k) => (mean[k] /= cnt[k]));
  x.forEach((val, i) => (v[ch(i)] += (val - mean[ch(i)]) ** 2));
  v.forEach((_, k) => (v[k] /= cnt[k]));
  return { mean, v, rows: cnt[0] };
}

function refBn(x: Float64Array, shape: number[], axis: number, gamma: Float64Array | null, beta: Float64Array | null, eps: number, fixed?: { mean: Float64Array; v: Float64Array }) {
  const { ch } = channelOf(shape, axis);
  const { mean, v } = fixed ?? moments(x, shape, axis);
  return x.map((val, i) => {
    const k = ch(i);
    return ((val - mean[k]) / Math.sqrt(v[k] + eps)) * (gamma ? gamma[k] : 1) + (beta ? beta[k] : 0);
  });
}

describe('batch normalization op', () => {
  beforeAll(testDevice);
  const eps = 1e-3;
  let seed = 500;
  const cases: [number[], number, boolean, boolean][] = [
    [[2, 3, 5, 3], -1, true, true],
    [[1, 4, 3, 5], -1, false, true],
    [[3, 2, 3, 2], -1, true, false],
    [[4, 7], -1, true, true],
    [[1, 5], -1, true, true],
    [[2, 3, 4, 5], 1, true, true],
    [[2, 33, 40, 3], -1, true, true],
  ];
  for (const [shape, axis, scale, center] of cases) {
    const { c } = channelOf(shape, axis);
    const inputs = (): OpInput[] => [
      { data: randomArray(size(shape), seed++, -2, 3), shape },
      ...(scale ? [{ data: randomArray(c, seed++, 0.5, 1.5), shape: [c] }] : []),
      ...(center ? [{ data: randomArray(c, seed++), shape: [c] }] : []),
    ];
    const split = (xs: Float64Array[]) => [xs[0], scale ? xs[1] : null, center ? xs[scale ? 2 : 1] : null] as const;
    const bigShape = size(shape) > 1000;

    it(`training: batch statistics, backward, moving update; [${shape}] axis ${axis} scale=${scale} center=${center}`, async () => {
      const ins = inputs();
      const mm0 = randomArray(c, seed++), mv0 = randomArray(c, seed++, 0.5, 2);
      const mm = Variable.create(Float32Array.from(mm0), [c], 'mm', false);
      const mv = Variable.create(Float32Array.from(mv0), [c], 'mv', false);
      const op = (ts: Tensor[]) => batchNorm(ts[0], { gamma: scale ? ts[1] : null, beta: center ? ts[scale ? 2 : 1] : null, movingMean: mm, movingVariance: mv, axis, epsilon: eps, momentum: 0.9, batchStats: true, updateMoving: true });
      const ref = (xs: Float64Array[]) => { const [x, g, b] = split(xs); return refBn(x, shape, axis, g, b, eps); };
      if (bigShape) {
        // Large rows per channel: many chunks in the statistics pass; forward only (finite differences are too slow).
        const y = await tidy(() => op(ins.map((i) => Tensor.from(Float32Array.from(i.data), i.shape))).data());
        expectClose(y, ref(ins.map((i) => i.data)), 1e-4, 'forward');
      } else {
        await checkOp('batch_norm', ins, op, ref, { tol: 1e-4, gradTol: 1e-3 });
      }
      const { mean, v, rows } = moments(ins[0].data, shape, axis);
      const bessel = shape.length === 4 ? rows / (rows - 1) : 1;
      expectClose(await mm.data(), mm0.map((m, k) => 0.9 * m + 0.1 * mean[k]), 1e-5, 'moving_mean');
      expectClose(await mv.data(), mv0.map((m, k) => 0.9 * m + 0.1 * v[k] * bessel), 1e-5, 'moving_variance');
      mm.dispose();
      mv.dispose();
    });

    if (bigShape) continue;
    it(`frozen: dx through moving statistics with gamma/beta fixed; [${shape}] axis ${axis}`, async () => {
      const ins = inputs().map((inp, i) => ({ ...inp, grad: i === 0 }));
      const fixed = { mean: randomArray(c, seed++), v: randomArray(c, seed++, 0.5, 2) };
      const mm = Variable.create(Float32Array.from(fixed.mean), [c], 'mm', false);
      const mv = Variable.create(Float32Array.from(fixed.v), [c], 'mv', false);
      await checkOp(
        'batch_norm frozen',
        ins,
        (ts) => batchNorm(ts[0], { gamma: scale ? ts[1] : null, beta: center ? ts[scale ? 2 : 1] : null, movingMean: mm, movingVariance: mv, axis, epsilon: eps, momentum: 0.9, batchStats: false, updateMoving: false }),
        (xs) => { const [x, g, b] = split(xs); return refBn(x, shape, axis, g, b, eps, fixed); },
      );
      mm.dispose();
      mv.dispose();
    });

    it(`inference: moving statistics, gradients through them, no update; [${shape}] axis ${axis} scale=${scale} center=${center}`, async () => {
      const ins = inputs();
      const fixed = { mean: randomArray(c, seed++), v: randomArray(c, seed++, 0.5, 2) };
      const mm = Variable.create(Float32Array.from(fixed.mean), [c], 'mm', false);
      const mv = Variable.create(Float32Array.from(fixed.v), [c], 'mv', false);
      await checkOp(
        'batch_norm inference',
        ins,
        (ts) => batchNorm(ts[0], { gamma: scale ? ts[1] : null, beta: center ? ts[scale ? 2 : 1] : null, movingMean: mm, movingVariance: mv, axis, epsilon: eps, momentum: 0.9, batchStats: false, updateMoving: false }),
        (xs) => { const [x, g, b] = split(xs); return refBn(x, shape, axis, g, b, eps, fixed); },
        { tol: 1e-5, gradTol: 1e-4 },
      );
      expectClose(await mm.data(), fixed.mean, 0, 'moving_mean unchanged');
      expectClose(await mv.data(), fixed.v, 0, 'moving_variance unchanged');
      mm.dispose();
      mv.dispose();
    });
  }
});
