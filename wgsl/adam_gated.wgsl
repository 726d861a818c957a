// adam.wgsl gated by loss scaling (src/train/loss-scale.ts): nothing changes (weights, m, v) on a
// step the scaler skips, and the bias correction uses the scaler's count of applied steps:
// lr_t = lr * decay factor * sqrt(1 - b2^t) / (1 - b1^t), both factors from the scaler's state.
// inputs: g, st; outputs: w, m, v; params: n, lr, b1, b2, eps, lr_wd
#include "index"
#include "loss_scale_gate"
struct Params { n: u32, lr: f32, b1: f32, b2: f32, eps: f32, lr_wd: f32 }
@group(0) @binding(0) var<storage, read> g: array<f32>;
@group(0) @binding(1) var<storage, read> st: LossScaleGate;
@group(0) @binding(2) var<storage, read_write> w: array<f32>;
@group(0) @binding(3) var<storage, read_write> m: array<f32>;
@group(0) @binding(4) var<storage, read_write> v: array<f32>;
@group(0) @binding(5) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = linear_index(wid, nwg, lid);
  if (i >= p.n || st.skip != 0u) { return; }
  let lr_t = p.lr * st.lr_factor * st.bias;
  let gi = g[i];
  let mi = p.b1 * m[i] + (1.0 - p.b1) * gi;
  let vi = p.b2 * v[i] + (1.0 - p.b2) * gi * gi;
  m[i] = mi;
  v[i] = vi;
  w[i] = w[i] * (1.0 - p.lr_wd * st.lr_factor) - lr_t * mi / (sqrt(vi) + p.eps);
}
