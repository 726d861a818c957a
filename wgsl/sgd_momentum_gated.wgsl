// sgd_momentum.wgsl gated by loss scaling (src/train/loss-scale.ts): nothing changes (weights,
// velocity) on a step the scaler skips; lr is multiplied by the step's decay factor.
// inputs: g, st; outputs: w, v; params: n, lr, momentum, nesterov, wd
#include "index"
#include "loss_scale_gate"
struct Params { n: u32, lr: f32, momentum: f32, nesterov: u32, wd: f32 }
@group(0) @binding(0) var<storage, read> g: array<f32>;
@group(0) @binding(1) var<storage, read> st: LossScaleGate;
@group(0) @binding(2) var<storage, read_write> w: array<f32>;
@group(0) @binding(3) var<storage, read_write> v: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = linear_index(wid, nwg, lid);
  if (i >= p.n || st.skip != 0u) { return; }
  let lr = p.lr * st.lr_factor;
  let gi = g[i];
  let vi = p.momentum * v[i] - lr * gi;
  v[i] = vi;
  let x = w[i] * (1.0 - lr * p.wd);
  if (p.nesterov == 1u) { w[i] = x + p.momentum * vi - lr * gi; } else { w[i] = x + vi; }
}
