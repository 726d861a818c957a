// Batch-norm elementwise pass over x viewed as [outer, c, inner]:
// mode 0 (forward):  y = x * coef[ch] + coef[c + ch] + (beta[ch] if has_beta)
// mode 1 (backward): y = v * coef[ch] + x * coef[c + ch] + coef[2c + ch], with v = dy (bound as beta)
// inputs: x, coef, beta or dy; outputs: y; params: n, c, inner, has_beta, mode
#include "index"
struct Params { n: u32, c: u32, inner: u32, has_beta: u32, mode: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> coef: array<f32>;
@group(0) @binding(2) var<storage, read> v: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = linear_index(wid, nwg, lid);
  if (i >= p.n) { return; }
  let ch = (i / p.inner) % p.c;
  if (p.mode == 0u) {
    var b = coef[p.c + ch];
    if (p.has_beta == 1u) { b += v[ch]; }
    y[i] = x[i] * coef[ch] + b;
  } else {
    y[i] = v[i] * coef[ch] + x[i] * coef[p.c + ch] + coef[2u * p.c + ch];
  }
}
