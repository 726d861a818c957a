// dx = dy * f'(x), from the saved input x and output y of an activation.
// inputs: x, y, dy; outputs: dx; params: n, op, alpha
#include "index"
#include "activation"
struct Params { n: u32, op: u32, alpha: f32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> y: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = linear_index(wid, nwg, lid);
  if (i < p.n) { dx[i] = dy[i] * activate_grad(x[i], y[i], p.op, p.alpha); }
}
