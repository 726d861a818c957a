// Folding a frozen (inference-mode) BatchNormalization into the convolution before it:
//   BN(conv(x, W) + b) = gamma * (conv(x, W) + b - mean) / sqrt(var + eps) + beta
//                      = conv(x, W * s) + (b - mean) * s + beta,   s = gamma / sqrt(var + eps)
// Host-side arrays, in float64 until the final rounding. The output channel is the kernel's flat
// index modulo the channel count, which holds for Conv2D HWIO [kh,kw,in,out], Dense [in,out] and
// DepthwiseConv2D [kh,kw,in,mult] (channel c*mult + m).
export interface FoldedConv {
  kernel: Float32Array;
  bias: Float32Array;
}

export function foldBatchNorm(
  kernel: ArrayLike<number>,
  bias: ArrayLike<number> | null,
  gamma: ArrayLike<number> | null,
  beta: ArrayLike<number> | null,
  mean: ArrayLike<number>,
  variance: ArrayLike<number>,
  eps: number,
): FoldedConv {
  const C = mean.length;
  for (const [name, a] of [['bias', bias], ['gamma', gamma], ['beta', beta], ['variance', variance]] as const) {
    if (a && a.length !== C) throw new Error(`foldBatchNorm: ${name} has ${a.length} values but mean has ${C}`);
  }
  if (C === 0 || kernel.length % C !== 0) throw new Error(`foldBatchNorm: kernel of ${kernel.length} values does not end in ${C} output channels`);
  const scale = new Float64Array(C);
  const outBias = new Float32Array(C);
  for (let c = 0; c < C; c++) {
    scale[c] = (gamma ? gamma[c] : 1) / Math.sqrt(variance[c] + eps);
    outBias[c] = ((bias ? bias[c] : 0) - mean[c]) * scale[c] + (beta ? beta[c] : 0);
  }
  const outKernel = new Float32Array(kernel.length);
  for (let i = 0; i < kernel.length; i++) outKernel[i] = kernel[i] * scale[i % C];
  return { kernel: outKernel, bias: outBias };
}
