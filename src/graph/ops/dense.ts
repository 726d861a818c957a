// dense(x, kernel, bias, activation): y = act(x · W + b) as one fused GEMM, and its backward:
// dz = dy * act'(y); dx = dz · Wᵀ; dW = xᵀ · dz; db = sum_rows dz. Only what is needed runs.
import { defaultAlpha } from '../../kernels/activation.ts';
import { activation as activationKernel, activationBackward } from '../../kernels/elementwise.ts';
import { matmul as matmulKernel } from '../../kernels/matmul.ts';
import { reduce } from '../../kernels/reduce.ts';
import { record } from '../tape.ts';
import { shapeStr, type Tensor } from '../tensor.ts';
import { FUSABLE } from './activation.ts';

export function matmul(a: Tensor, b: Tensor, transposeA = false, transposeB = false): Tensor {
  const y = matmulKernel(a, b, { transposeA, transposeB });
  return record('matmul', [a, b], y, [a, b], (dy, [as, bs], needs) => [
    needs[0]
      ? transposeA
        ? matmulKernel(bs, dy, { transposeA: transposeB, transposeB: true })
        : matmulKernel(dy, bs, { transposeB: !transposeB })
      : null,
    needs[1]
      ? transposeB
        ? matmulKernel(dy, as, { transposeA: true, transposeB: transposeA })
        : matmulKernel(as, dy, { transposeA: !transposeA })
      : null,
  ]);
}

export function dense(x: Tensor, kernel: Tensor, bias: Tensor | null, act = 'linear', alpha = defaultAlpha(act)): Tensor {
  if (x.rank !== 2) throw new Error(`dense: expects [batch, features] input, got ${shapeStr(x.shape)}`);
  if (x.shape[1] !== kernel.shape[0]) {
    throw new Error(`dense: input has ${x.shape[1]} features but kernel ${kernel.name} is ${shapeStr(kernel.shape)}`);
  }
  const fused = FUSABLE.has(act);
  const z = matmulKernel(x, kernel, { bias, activation: fused ? act : 'linear', alpha });
  const y = fused ? z : activationKernel(z, act, alpha);
  const inputs = bias ? [x, kernel, bias] : [x, kernel];
  // Saved: x (for dW), W (for dx), y and, when unfused, z (for the activation's derivative).
  return record('dense', inputs, y, fused ? [x, kernel, y] : [x, kernel, y, z], (dy, saved, needs) => {
    const [xs, ws, ys, zs] = saved;
    const dz = act === 'linear' ? dy : activationBackward(zs ?? ys, ys, dy, act, alpha);
    const grads = [
      needs[0] ? matmulKernel(dz, ws, { transposeB: true }) : null,
      needs[1] ? matmulKernel(xs, dz, { transposeA: true }) : null,
      bias && needs[2] ? reduce('sum', dz, [0]) : null,
    ];
    if (dz !== dy) dz.dispose();
    return grads;
  });
}
