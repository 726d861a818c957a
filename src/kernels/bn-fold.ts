// Folding an inference-mode batch norm into the preceding conv's kernel and bias on the GPU
// (wgsl/bn_fold.wgsl); the host-side float64 equivalent is src/graph/fold-batchnorm.ts.
import { dispatch, f32, grid1d } from '../gpu/dispatch.ts';
import { Tensor, shapeStr } from '../graph/tensor.ts';

const FOLD = { shader: 'bn_fold', inputs: 6, outputs: 2 };

export interface BnFoldArgs {
  gamma: Tensor | null;
  beta: Tensor | null;
  mean: Tensor;
  variance: Tensor;
  epsilon: number;
}

/**
 * kernel' = kernel * s, bias' = (bias - mean) * s + beta with s = gamma / sqrt(var + eps) per
 * output channel, the channel being the kernel's flat index modulo the channel count.
 */
export function bnFold(kernel: Tensor, bias: Tensor | null, a: BnFoldArgs): { kernel: Tensor; bias: Tensor } {
  const c = a.mean.size;
  if (kernel.size % c !== 0) throw new Error(`bn_fold: kernel ${shapeStr(kernel.shape)} does not end in ${c} output channels`);
  for (const [name, t] of [['bias', bias], ['gamma', a.gamma], ['beta', a.beta], ['moving_variance', a.variance]] as const) {
    if (t && t.size !== c) throw new Error(`bn_fold: ${name} has ${t.size} values, expected ${c}`);
  }
  const k = Tensor.empty(kernel.shape, 'bn_fold_kernel');
  const b = Tensor.empty([c], 'bn_fold_bias');
  dispatch(
    FOLD,
    [kernel, bias ?? a.mean, a.gamma ?? a.mean, a.beta ?? a.mean, a.mean, a.variance],
    [k, b],
    [kernel.size, c, bias ? 1 : 0, a.gamma ? 1 : 0, a.beta ? 1 : 0, f32(a.epsilon)],
    grid1d(kernel.device, Math.ceil(kernel.size / 256)),
    `bn_fold ${shapeStr(kernel.shape)}`,
  );
  return { kernel: k, bias: b };
}
