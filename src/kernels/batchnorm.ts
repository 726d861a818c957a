// Batch normalization kernels over x viewed as [outer, c, inner] (the channel axis in the middle:
// inner = 1 for axis -1, H*W for NCHW axis 1): batch moments, per-channel coefficients, the
// elementwise pass, the backward, and the in-place momentum update of the moving statistics.
import { dispatch, f32, grid1d } from '../gpu/dispatch.ts';
import { Tensor, shapeStr, sizeOf } from '../graph/tensor.ts';

const PARTIAL = { shader: 'bn_partial', inputs: 3, outputs: 1 };
const FINALIZE = { shader: 'bn_finalize', inputs: 1, outputs: 1 };
const COEF = { shader: 'bn_coef', inputs: 3, outputs: 1 };
const APPLY = { shader: 'bn_apply', inputs: 3, outputs: 1 };
const UPDATE = { shader: 'bn_update', inputs: 1, outputs: 2 };

export interface BnLayout {
  outer: number;
  c: number;
  inner: number;
  /** Elements per channel: outer * inner. */
  rows: number;
}

export function bnLayout(shape: readonly number[], axis: number): BnLayout {
  const a = axis < 0 ? axis + shape.length : axis;
  if (a < 0 || a >= shape.length) throw new Error(`batch_norm: axis ${axis} out of range for ${shapeStr(shape)}`);
  const outer = sizeOf(shape.slice(0, a));
  const inner = sizeOf(shape.slice(a + 1));
  return { outer, c: shape[a], inner, rows: outer * inner };
}

const wg = (t: Tensor, n: number) => grid1d(t.device, Math.ceil(n / 256));

/** Sums over chunks of rows in parallel, then per channel: [mean | biased var] (mode 0) or [S0 | S1] (mode 1). */
function moments(x: Tensor, dy: Tensor | null, stats: Tensor | null, l: BnLayout, mode: 0 | 1): Tensor {
  // Enough chunks to keep ~2k threads busy, each at least 32 rows long.
  const want = Math.max(1, Math.min(Math.ceil(l.rows / 32), Math.ceil(2048 / l.c)));
  const chunk = Math.ceil(l.rows / want);
  const chunks = Math.ceil(l.rows / chunk);
  const part = Tensor.empty([chunks, l.c, 2], 'bn_partial');
  dispatch(PARTIAL, [x, dy ?? x, stats ?? x], [part], [l.outer, l.c, l.inner, chunk, chunks, mode], wg(x, chunks * l.c), `batch_norm moments ${shapeStr(x.shape)}`);
  const out = Tensor.empty([2 * l.c], mode === 0 ? 'bn_stats' : 'bn_sums');
  dispatch(FINALIZE, [part], [out], [l.c, chunks, l.rows, chunk, mode], wg(x, l.c), `batch_norm finalize ${l.c}`);
  part.dispose();
  return out;
}

/** Batch mean and biased variance per channel, packed [mean | var] (2c values). */
export const batchMoments = (x: Tensor, l: BnLayout): Tensor => moments(x, null, null, l, 0);

/** [sum dy | sum dy * (x - mean)] per channel, with mean = stats[0..c). */
export const gradSums = (x: Tensor, dy: Tensor, stats: Tensor, l: BnLayout): Tensor => moments(x, dy, stats, l, 1);

/**
 * Per-channel coefficients (see wgsl/bn_coef.wgsl): mode 0 [a | b] for the forward; modes 1
 * (batch statistics) and 2 (fixed statistics) [k1 | k2 | k3 | dgamma | dbeta] for the backward.
 */
export function bnCoef(stats: Tensor, gamma: Tensor | null, sums: Tensor | null, c: number, eps: number, rows: number, mode: 0 | 1 | 2): Tensor {
  const coef = Tensor.empty([(mode === 0 ? 2 : 5) * c], 'bn_coef');
  dispatch(COEF, [stats, gamma ?? stats, sums ?? stats], [coef], [c, gamma ? 1 : 0, mode, f32(eps), f32(rows)], wg(stats, c), `batch_norm coefficients ${c}`);
  return coef;
}

/** y = x * a + b (+ beta) per channel. */
export function bnApply(x: Tensor, coef: Tensor, beta: Tensor | null, l: BnLayout): Tensor {
  const y = Tensor.empty(x.shape, 'batch_norm');
  dispatch(APPLY, [x, coef, beta ?? coef], [y], [x.size, l.c, l.inner, beta ? 1 : 0, 0], wg(x, x.size), `batch_norm ${shapeStr(x.shape)}`);
  return y;
}

/** dx = dy * k1 + x * k2 + k3 per channel. */
export function bnBackward(x: Tensor, dy: Tensor, coef: Tensor, l: BnLayout): Tensor {
  const dx = Tensor.empty(x.shape, 'batch_norm_grad');
  dispatch(APPLY, [x, coef, dy], [dx], [x.size, l.c, l.inner, 0, 1], wg(x, x.size), `batch_norm backward ${shapeStr(x.shape)}`);
  return dx;
}

/** movingMean, movingVar updated in place from batch [mean | var] with momentum; var scaled by bessel. */
export function bnUpdateMoving(stats: Tensor, movingMean: Tensor, movingVar: Tensor, momentum: number, bessel: number): void {
  const c = movingMean.size;
  dispatch(UPDATE, [stats], [movingMean, movingVar], [c, f32(momentum), f32(bessel)], wg(stats, c), `batch_norm moving update ${c}`);
}
