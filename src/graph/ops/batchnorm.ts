// Differentiable batch normalization over one channel axis.
//
// Semantics (Keras 2.3 / tf.keras 2.x, whose 4-D layers use fused_batch_norm):
// - batch statistics: normalize with the batch mean and the *biased* batch variance;
// - moving update: moving = moving * momentum + batch * (1 - momentum), where for 4-D inputs the
//   variance is Bessel-corrected (n / (n - 1)), as TF's fused kernel returns it, and for other
//   ranks (the nn.moments path) it is the biased variance;
// - fixed statistics (inference, or a frozen layer): normalize with moving_mean/moving_variance;
//   gradients still flow to x (and to gamma/beta if they train) through the fixed statistics.
import { batchMoments, bnApply, bnBackward, bnCoef, bnLayout, bnUpdateMoving, gradSums } from '../../kernels/batchnorm.ts';
import { copySlab } from '../../kernels/pad.ts';
import { record } from '../tape.ts';
import { Tensor, Variable, shapeStr } from '../tensor.ts';

export interface BatchNormArgs {
  gamma: Tensor | null;
  beta: Tensor | null;
  movingMean: Tensor;
  movingVariance: Tensor;
  axis: number;
  epsilon: number;
  momentum: number;
  /** Normalize with batch statistics (training mode of a trainable layer). */
  batchStats: boolean;
  /** Update the moving statistics in place (only with batchStats). */
  updateMoving: boolean;
}

/** [a | b] of 2c values from two c-vectors. */
function pack(a: Tensor, b: Tensor): Tensor {
  const c = a.size;
  const out = Tensor.empty([2 * c], 'bn_stats');
  copySlab(a.reshape([c]), out, 0, c, 0, 0);
  copySlab(b.reshape([c]), out, 0, c, 0, c);
  return out;
}

/** Values [from, from + c) of a flat tensor as a new [c] tensor. */
function slice(t: Tensor, from: number, c: number): Tensor {
  const out = Tensor.empty([c], 'bn_grad');
  copySlab(t, out, 0, c, from, 0);
  return out;
}

export function batchNorm(x: Tensor, a: BatchNormArgs): Tensor {
  const l = bnLayout(x.shape, a.axis);
  for (const [name, t] of [['gamma', a.gamma], ['beta', a.beta], ['moving_mean', a.movingMean], ['moving_variance', a.movingVariance]] as const) {
    if (t && t.size !== l.c) throw new Error(`batch_norm: ${name} has ${t.size} values but input ${shapeStr(x.shape)} has ${l.c} channels on axis ${a.axis}`);
  }
  const stats = a.batchStats ? batchMoments(x, l) : pack(a.movingMean, a.movingVariance);
  if (a.batchStats && a.updateMoving) {
    // One value per channel (a last batch of one sample): variance 0, and no correction to divide by zero.
    const bessel = x.rank === 4 && l.rows > 1 ? l.rows / (l.rows - 1) : 1;
    bnUpdateMoving(stats, a.movingMean, a.movingVariance, a.momentum, bessel);
    for (const v of [a.movingMean, a.movingVariance]) if (v instanceof Variable) v.version++;
  }
  const coef = bnCoef(stats, a.gamma, null, l.c, a.epsilon, l.rows, 0);
  const y = bnApply(x, coef, a.beta, l);
  coef.dispose();
  const inputs = [x, ...(a.gamma ? [a.gamma] : []), ...(a.beta ? [a.beta] : [])];
  const gi = a.gamma ? 1 : -1;
  const bi = a.beta ? inputs.length - 1 : -1;
  const out = record('batch_norm', inputs, y, [x, stats, ...(a.gamma ? [a.gamma] : [])], (dy, saved, needs) => {
    const [xs, st, gs] = saved;
    // Through fixed statistics dx needs no reduction; the sums only serve dgamma/dbeta then.
    const needSums = a.batchStats || needs.slice(1).some(Boolean);
    const sums = needSums ? gradSums(xs, dy, st, l) : null;
    const k = bnCoef(st, gs ?? null, sums, l.c, a.epsilon, l.rows, a.batchStats ? 1 : 2);
    sums?.dispose();
    const grads = [
      needs[0] ? bnBackward(xs, dy, k, l) : null,
      ...(a.gamma ? [needs[gi] ? slice(k, 3 * l.c, l.c) : null] : []),
      ...(a.beta ? [needs[bi] ? slice(k, 4 * l.c, l.c) : null] : []),
    ];
    k.dispose();
    return grads;
  });
  stats.dispose();
  return out;
}
