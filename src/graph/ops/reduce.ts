// Differentiable reductions: sum and mean over axes (all when omitted).
import { add } from '../../kernels/elementwise.ts';
import { zeros } from '../../kernels/fill.ts';
import { reduce } from '../../kernels/reduce.ts';
import { affine } from '../../kernels/scale.ts';
import { record } from '../tape.ts';
import { sizeOf, type Tensor } from '../tensor.ts';

function broadcastBack(dy: Tensor, x: Tensor, axes: number[] | undefined, scale: number): Tensor {
  const rank = x.rank;
  const set = new Set((axes ?? x.shape.map((_, i) => i)).map((a) => (a < 0 ? a + rank : a)));
  const kept = dy.reshape(x.shape.map((d, i) => (set.has(i) ? 1 : d)));
  const z = zeros(x.shape);
  let g = add(z, kept);
  z.dispose();
  kept.dispose();
  if (scale !== 1) {
    const s = affine(g, scale, 0);
    g.dispose();
    g = s;
  }
  return g;
}

export function sum(x: Tensor, axes?: number[], keepDims = false): Tensor {
  const y = reduce('sum', x, axes, keepDims);
  return record('sum', [x], y, [], (dy) => [broadcastBack(dy, x, axes, 1)]);
}

export function mean(x: Tensor, axes?: number[], keepDims = false): Tensor {
  const y = reduce('mean', x, axes, keepDims);
  const n = x.size / Math.max(1, sizeOf(y.shape));
  return record('mean', [x], y, [], (dy) => [broadcastBack(dy, x, axes, 1 / n)]);
}
