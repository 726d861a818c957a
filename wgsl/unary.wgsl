// Elementwise activation y = f(x) and its backward dx = dy * f'(x).
// main     inputs: x;        outputs: y;  params: n, op, alpha
// backward inputs: x, y, dy; outputs: dx; params: n, op, alpha
#include "index"
#include "activation"
struct Params { n: u32, op: u32, alpha: f32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = linear_index(wid, nwg, lid);
  if (i < p.n) { y[i] = activate(x[i], p.op, p.alpha); }
}
