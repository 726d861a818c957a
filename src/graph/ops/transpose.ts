// Differentiable axis permutation; its gradient is the inverse permutation of dy.
import { invertPerm, transpose as transposeKernel } from '../../kernels/transpose.ts';
import { record } from '../tape.ts';
import type { Tensor } from '../tensor.ts';

export function transpose(x: Tensor, perm: readonly number[]): Tensor {
  const y = transposeKernel(x, perm);
  const inv = invertPerm(perm);
  const shape = y.shape;
  return record('transpose', [x], y, [], (dy) => [transposeKernel(dy.reshape(shape), inv)]);
}

/** NCHW -> NHWC and back, for Keras channels_first layers. */
export const toChannelsLast = (x: Tensor): Tensor => transpose(x, [0, 2, 3, 1]);
export const toChannelsFirst = (x: Tensor): Tensor => transpose(x, [0, 3, 1, 2]);
