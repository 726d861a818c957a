// Differentiable ReLU variants of the Keras advanced-activation layers: K.relu with max_value,
// negative_slope and threshold; PReLU with a learned, broadcast alpha.
import { reluExt, reluExtBackward, type ReluOptions } from '../../kernels/relu-ext.ts';
import { record } from '../tape.ts';
import type { Tensor } from '../tensor.ts';
import { activation } from './activation.ts';
import { affine, mul, sub } from './arith.ts';

export function relu(x: Tensor, o: ReluOptions = {}): Tensor {
  const slope = o.negativeSlope ?? 0;
  const t = o.threshold ?? 0;
  // The common cases reuse the activation kernels (and their fusable epilogues elsewhere).
  if (slope === 0 && t === 0 && o.maxValue == null) return activation(x, 'relu');
  if (slope === 0 && t === 0 && o.maxValue === 6) return activation(x, 'relu6');
  const y = reluExt(x, o);
  return record('relu', [x], y, [x], (dy, [xs]) => [reluExtBackward(xs, dy, o)]);
}

/** y = relu(x) - alpha * relu(-x), alpha broadcast over the shared axes; dalpha by the broadcast's sum. */
export function prelu(x: Tensor, alpha: Tensor): Tensor {
  const pos = activation(x, 'relu');
  const negX = affine(x, -1, 0);
  const neg = activation(negX, 'relu');
  const scaled = mul(alpha, neg);
  const y = sub(pos, scaled);
  for (const t of [pos, negX, neg, scaled]) t.dispose();
  return y;
}
