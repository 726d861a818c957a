// Per-channel coefficients of batch norm, so that the elementwise kernels are one FMA:
// mode 0 (forward):  coef = [a | b] with a = gamma / sqrt(var + eps), b = -mean * a; y = x*a + b + beta.
// mode 1 (backward, batch statistics, M rows): dx = dy*k1 + x*k2 + k3 with k1 = a,
//   k2 = -a * S1 / (M (var + eps)), k3 = -a * S0 / M - k2 * mean, and dgamma = S1 / sqrt(var + eps),
//   dbeta = S0, where S0 = sum dy, S1 = sum dy (x - mean); coef = [k1 | k2 | k3 | dgamma | dbeta].
// mode 2 (backward through fixed moving statistics): k1 = a, k2 = k3 = 0, same dgamma, dbeta.
// inputs: stats [mean | var], gamma (ignored unless has_gamma), sums [S0 | S1] (modes 1, 2)
// outputs: coef; params: c, has_gamma, mode, eps (f32), rows (f32)
#include "index"
struct Params { c: u32, has_gamma: u32, mode: u32, eps: f32, rows: f32 }
@group(0) @binding(0) var<storage, read> stats: array<f32>;
@group(0) @binding(1) var<storage, read> gamma: array<f32>;
@group(0) @binding(2) var<storage, read> sums: array<f32>;
@group(0) @binding(3) var<storage, read_write> coef: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let ch = linear_index(wid, nwg, lid);
  if (ch >= p.c) { return; }
  let mean = stats[ch];
  let inv = inverseSqrt(stats[p.c + ch] + p.eps);
  var g = 1.0;
  if (p.has_gamma == 1u) { g = gamma[ch]; }
  let a = g * inv;
  if (p.mode == 0u) {
    coef[ch] = a;
    coef[p.c + ch] = -mean * a;
    return;
  }
  let s0 = sums[ch];
  let s1 = sums[p.c + ch];
  var k2 = 0.0;
  var k3 = 0.0;
  if (p.mode == 1u) {
    k2 = -a * s1 * inv * inv / p.rows;
    k3 = -a * s0 / p.rows - k2 * mean;
  }
  coef[ch] = a;
  coef[p.c + ch] = k2;
  coef[2u * p.c + ch] = k3;
  coef[3u * p.c + ch] = s1 * inv;
  coef[4u * p.c + ch] = s0;
}
