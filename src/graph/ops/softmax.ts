// Differentiable softmax over the last axis. The node saves the logits x as well as y: backward
// needs only y, but a cross-entropy loss on y reads the logits from this node to take the fused,
// numerically stable path, as Keras does (see src/train/losses/logits.ts).
import { softmax as softmaxKernel, softmaxBackward } from '../../kernels/softmax.ts';
import { record } from '../tape.ts';
import type { Tensor } from '../tensor.ts';

export function softmax(x: Tensor): Tensor {
  const y = softmaxKernel(x);
  return record('softmax', [x], y, [x, y], (dy, [, ys]) => [softmaxBackward(ys, dy)]);
}
