// Backward of relu_ext: dx = dy * (1 where pos passes x through, + slope where x < threshold).
// inputs: x, dy; outputs: dx; params: as relu_ext
#include "index"
struct Params { n: u32, has_max: u32, max_value: f32, slope: f32, threshold: f32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = linear_index(wid, nwg, lid);
  if (i >= p.n) { return; }
  let v = x[i];
  var g = select(0.0, 1.0, v > p.threshold);
  if (p.has_max == 1u && (v <= 0.0 || v >= p.max_value)) { g = 0.0; }
  g += select(0.0, p.slope, v < p.threshold);
  dx[i] = dy[i] * g;
}
