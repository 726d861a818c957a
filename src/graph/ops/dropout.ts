// Differentiable dropout (inverted scaling) and spatial dropout. The mask is a hash of the seed, so
// the backward applies the same kernel to dy with the same seed; no mask is stored.
import { dropoutMask, type DropoutMask } from '../../kernels/dropout.ts';
import { record } from '../tape.ts';
import type { Tensor } from '../tensor.ts';
import { reshape } from './shape.ts';

export function dropout(x: Tensor, m: DropoutMask): Tensor {
  // A view would drop x's tape node; reshape keeps the gradient flowing.
  if (m.rate === 0) return reshape(x, x.shape);
  const mask = { ...m };
  const y = dropoutMask(x, mask);
  return record(mask.spatial ? 'spatial_dropout' : 'dropout', [x], y, [], (dy) => [dropoutMask(dy, mask)]);
}
