// Loss scaling, one gradient: out = g * (1 / scale), the gradient of the unscaled loss, and the
// scaler's `nonfinite` flag raised when any result is inf or NaN (checked on the bits, which no
// fast-math rewrite can drop). Dispatched once per gradient; loss_scale_update.wgsl then decides.
// inputs: g; outputs: out, st (the scaler's state, include/loss_scale_gate.wgsl); params: n
#include "index"
struct LossScaleState { scale: f32, growth: u32, skipped: u32, t: u32, nonfinite: atomic<u32>, skip: u32, lr_factor: f32, bias: f32 }
struct Params { n: u32 }
@group(0) @binding(0) var<storage, read> g: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read_write> st: LossScaleState;
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = linear_index(wid, nwg, lid);
  if (i >= p.n) { return; }
  let x = g[i] * (1.0 / st.scale);
  out[i] = x;
  if ((bitcast<u32>(x) & 0x7f800000u) == 0x7f800000u) { atomicOr(&st.nonfinite, 1u); }
}
