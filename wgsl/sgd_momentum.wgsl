// SGD with momentum in place, Keras semantics: v = momentum * v - lr * g; then w += v, or with
// Nesterov w += momentum * v - lr * g. Decoupled weight decay first: w -= lr * wd * w.
// inputs: g; outputs: w, v; params: n, lr, momentum, nesterov, wd
#include "index"
struct Params { n: u32, lr: f32, momentum: f32, nesterov: u32, wd: f32 }
@group(0) @binding(0) var<storage, read> g: array<f32>;
@group(0) @binding(1) var<storage, read_write> w: array<f32>;
@group(0) @binding(2) var<storage, read_write> v: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = linear_index(wid, nwg, lid);
  if (i >= p.n) { return; }
  let gi = g[i];
  let vi = p.momentum * v[i] - p.lr * gi;
  v[i] = vi;
  let x = w[i] * (1.0 - p.lr * p.wd);
  if (p.nesterov == 1u) { w[i] = x + p.momentum * vi - p.lr * gi; } else { w[i] = x + vi; }
}
