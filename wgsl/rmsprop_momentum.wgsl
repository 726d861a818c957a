// RMSprop with momentum in place (tf.keras's `momentum`, Keras 2's epsilon placement):
// a = rho a + (1 - rho) g^2; m = momentum m + lr g / (sqrt(a) + eps); w -= m.
// Decoupled weight decay first: w -= lr * wd * w.
// inputs: g; outputs: w, a, m; params: n, lr, rho, eps, lr_wd, momentum
#include "index"
struct Params { n: u32, lr: f32, rho: f32, eps: f32, lr_wd: f32, momentum: f32 }
@group(0) @binding(0) var<storage, read> g: array<f32>;
@group(0) @binding(1) var<storage, read_write> w: array<f32>;
@group(0) @binding(2) var<storage, read_write> a: array<f32>;
@group(0) @binding(3) var<storage, read_write> m: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = linear_index(wid, nwg, lid);
  if (i >= p.n) { return; }
  let gi = g[i];
  let ai = p.rho * a[i] + (1.0 - p.rho) * gi * gi;
  a[i] = ai;
  let mi = p.momentum * m[i] + p.lr * gi / (sqrt(ai) + p.eps);
  m[i] = mi;
  w[i] = w[i] * (1.0 - p.lr_wd) - mi;
}
