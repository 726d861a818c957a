// Softmax over the last axis. (Placeholder until the softmax kernel lands.)
import type { Tensor } from '../tensor.ts';

export function softmax(_x: Tensor): Tensor {
  throw new Error('softmax: not implemented yet');
}
