// Differentiable activations (Keras names), on top of src/kernels/elementwise.ts.
import { defaultAlpha } from '../../kernels/activation.ts';
import { activation as activationKernel, activationBackward } from '../../kernels/elementwise.ts';
import { record } from '../tape.ts';
import type { Tensor } from '../tensor.ts';

/** Activations whose derivative can be taken from the output alone, so fused epilogues can save y only. */
export const FUSABLE = new Set(['linear', 'relu', 'relu6', 'elu', 'selu', 'sigmoid', 'tanh', 'leaky_relu']);

export function activation(x: Tensor, name: string, alpha = defaultAlpha(name)): Tensor {
  if (name === 'linear') return record('linear', [x], x.view(), [], (dy) => [dy.view()]);
  const y = activationKernel(x, name, alpha);
  return record(name, [x], y, [x, y], (dy, [xs, ys]) => [activationBackward(xs, ys, dy, name, alpha)]);
}
