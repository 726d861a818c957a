// Adam in place, Keras semantics: m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
// w -= lr_t m / (sqrt(v) + eps), with the bias correction folded into lr_t on the host
// (lr_t = lr sqrt(1 - b2^t) / (1 - b1^t)) and epsilon outside the square root, not corrected.
// Decoupled weight decay first: w -= lr * wd * w.
// inputs: g; outputs: w, m, v; params: n, lr_t, b1, b2, eps, lr_wd
#include "index"
struct Params { n: u32, lr_t: f32, b1: f32, b2: f32, eps: f32, lr_wd: f32 }
@group(0) @binding(0) var<storage, read> g: array<f32>;
@group(0) @binding(1) var<storage, read_write> w: array<f32>;
@group(0) @binding(2) var<storage, read_write> m: array<f32>;
@group(0) @binding(3) var<storage, read_write> v: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = linear_index(wid, nwg, lid);
  if (i >= p.n) { return; }
  let gi = g[i];
  let mi = p.b1 * m[i] + (1.0 - p.b1) * gi;
  let vi = p.b2 * v[i] + (1.0 - p.b2) * gi * gi;
  m[i] = mi;
  v[i] = vi;
  w[i] = w[i] * (1.0 - p.lr_wd) - p.lr_t * mi / (sqrt(vi) + p.eps);
}
