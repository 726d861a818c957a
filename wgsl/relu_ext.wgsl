// Keras's ReLU layer, K.relu(x, alpha=negative_slope, max_value, threshold), exactly as the
// Keras 2 backend composes it: pos = x > t ? x : 0 (plain max(x, 0) when t == 0), clipped to
// [0, max_value] when one is set; y = pos - slope * max(t - x, 0).
// inputs: x; outputs: y; params: n, has_max, max_value (f32), slope (f32), threshold (f32)
#include "index"
struct Params { n: u32, has_max: u32, max_value: f32, slope: f32, threshold: f32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = linear_index(wid, nwg, lid);
  if (i >= p.n) { return; }
  let v = x[i];
  var pos = select(0.0, v, v > p.threshold);
  if (p.has_max == 1u) { pos = clamp(pos, 0.0, p.max_value); }
  y[i] = pos - p.slope * max(p.threshold - v, 0.0);
}
