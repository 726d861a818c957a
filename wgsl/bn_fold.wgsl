// Folds an inference-mode batch norm into the conv before it, one thread per kernel value:
//   s = gamma / sqrt(var + eps);  kernel' = kernel * s[i % c];  bias' = (bias - mean) * s + beta
// The output channel is the kernel's flat index modulo c (Conv2D HWIO, DepthwiseConv2D [kh,kw,C,M]).
// inputs: kernel, bias (ignored unless has_bias), gamma (unless has_gamma), beta (unless has_beta),
//   mean, var; outputs: folded kernel, folded bias [c];
// params: n (kernel size), c, has_bias, has_gamma, has_beta, eps (f32)
#include "index"
struct Params { n: u32, c: u32, has_bias: u32, has_gamma: u32, has_beta: u32, eps: f32 }
@group(0) @binding(0) var<storage, read> kernel: array<f32>;
@group(0) @binding(1) var<storage, read> bias: array<f32>;
@group(0) @binding(2) var<storage, read> gamma: array<f32>;
@group(0) @binding(3) var<storage, read> beta: array<f32>;
@group(0) @binding(4) var<storage, read> mean: array<f32>;
@group(0) @binding(5) var<storage, read> variance: array<f32>;
@group(0) @binding(6) var<storage, read_write> out_kernel: array<f32>;
@group(0) @binding(7) var<storage, read_write> out_bias: array<f32>;
@group(0) @binding(8) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = linear_index(wid, nwg, lid);
  if (i >= p.n) { return; }
  let ch = i % p.c;
  var g = 1.0;
  if (p.has_gamma != 0u) { g = gamma[ch]; }
  let s = g / sqrt(variance[ch] + p.eps);
  out_kernel[i] = kernel[i] * s;
  if (i < p.c) {
    var b = 0.0;
    if (p.has_bias != 0u) { b = bias[i]; }
    var be = 0.0;
    if (p.has_beta != 0u) { be = beta[i]; }
    out_bias[i] = (b - mean[i]) * s + be;
  }
}
