// Backward of softmax over the last axis from its output: dx = y * (dy - sum_j dy_j y_j).
// inputs: y, dy [rows, cols]; outputs: dx [rows, cols]; params: rows, cols
#include "index"
struct Params { rows: u32, cols: u32 }
@group(0) @binding(0) var<storage, read> y: array<f32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let r = linear_index(wid, nwg, lid);
  if (r >= p.rows) { return; }
  let base = r * p.cols;
  var dot = 0.0;
  for (var j = 0u; j < p.cols; j++) { dot += dy[base + j] * y[base + j]; }
  for (var j = 0u; j < p.cols; j++) { dx[base + j] = y[base + j] * (dy[base + j] - dot); }
}
