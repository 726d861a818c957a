// rmsprop.wgsl gated by loss scaling (src/train/loss-scale.ts): nothing changes (weights,
// accumulator) on a step the scaler skips; lr is multiplied by the step's decay factor.
// inputs: g, st; outputs: w, a; params: n, lr, rho, eps, lr_wd
#include "index"
#include "loss_scale_gate"
struct Params { n: u32, lr: f32, rho: f32, eps: f32, lr_wd: f32 }
@group(0) @binding(0) var<storage, read> g: array<f32>;
@group(0) @binding(1) var<storage, read> st: LossScaleGate;
@group(0) @binding(2) var<storage, read_write> w: array<f32>;
@group(0) @binding(3) var<storage, read_write> a: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = linear_index(wid, nwg, lid);
  if (i >= p.n || st.skip != 0u) { return; }
  let f = st.lr_factor;
  let gi = g[i];
  let ai = p.rho * a[i] + (1.0 - p.rho) * gi * gi;
  a[i] = ai;
  w[i] = w[i] * (1.0 - p.lr_wd * f) - p.lr * f * gi / (sqrt(ai) + p.eps);
}
