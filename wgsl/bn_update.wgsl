// Momentum update of the moving statistics, in place:
// moving_mean = moving_mean * m + mean * (1 - m); moving_var = moving_var * m + var * bessel * (1 - m).
// inputs: stats [mean | biased var]; outputs: moving_mean, moving_var; params: c, momentum (f32), bessel (f32)
#include "index"
struct Params { c: u32, momentum: f32, bessel: f32 }
@group(0) @binding(0) var<storage, read> stats: array<f32>;
@group(0) @binding(1) var<storage, read_write> mm: array<f32>;
@group(0) @binding(2) var<storage, read_write> mv: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let ch = linear_index(wid, nwg, lid);
  if (ch >= p.c) { return; }
  mm[ch] = mm[ch] * p.momentum + stats[ch] * (1.0 - p.momentum);
  mv[ch] = mv[ch] * p.momentum + stats[p.c + ch] * p.bessel * (1.0 - p.momentum);
}
