// Plain SGD update in place, with decoupled weight decay: w -= lr * wd * w; w -= lr * g.
// inputs: g; outputs: w; params: n, lr, wd
#include "index"
struct Params { n: u32, lr: f32, wd: f32 }
@group(0) @binding(0) var<storage, read> g: array<f32>;
@group(0) @binding(1) var<storage, read_write> w: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = linear_index(wid, nwg, lid);
  if (i >= p.n) { return; }
  let x = w[i] * (1.0 - p.lr * p.wd);
  w[i] = x - p.lr * g[i];
}
