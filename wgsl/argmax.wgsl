// Index of the largest value of each row (the first one on ties, as NumPy), written as f32.
// inputs: x [rows, cols]; outputs: idx [rows]; params: rows, cols
#include "index"
struct Params { rows: u32, cols: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> idx: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let r = linear_index(wid, nwg, lid);
  if (r >= p.rows) { return; }
  let base = r * p.cols;
  var best = 0u;
  var m = x[base];
  for (var j = 1u; j < p.cols; j++) {
    let v = x[base + j];
    if (v > m) { m = v; best = j; }
  }
  idx[r] = f32(best);
}
