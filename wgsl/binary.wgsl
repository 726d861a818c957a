// Elementwise binary op with NumPy broadcasting, then an activation: y = act(a (op) b)
// (act 0 = linear; the residual Add + ReLU of ResNet blocks runs as one dispatch).
// inputs: a, b; outputs: y
// params: n, rank, op (0 add, 1 sub, 2 mul, 3 div, 4 max, 5 min), act (include/activation.wgsl,
// alpha 0: linear, relu, relu6); then the output shape and the element strides of a and b (0 on
// broadcast axes), 8 entries each, innermost last.
#include "index"
#include "activation"
struct Params {
  n: u32, rank: u32, op: u32, act: u32,
  shape: array<vec4<u32>, 2>,
  a_strides: array<vec4<u32>, 2>,
  b_strides: array<vec4<u32>, 2>,
}
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

fn apply(u: f32, v: f32) -> f32 {
  switch p.op {
    case 1u: { return u - v; }
    case 2u: { return u * v; }
    case 3u: { return u / v; }
    case 4u: { return max(u, v); }
    case 5u: { return min(u, v); }
    default: { return u + v; }
  }
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = linear_index(wid, nwg, lid);
  if (i >= p.n) { return; }
  var rem = i;
  var ia = 0u;
  var ib = 0u;
  for (var d = i32(p.rank) - 1; d >= 0; d--) {
    let k = u32(d);
    let extent = p.shape[k / 4u][k % 4u];
    let c = rem % extent;
    rem = rem / extent;
    ia += c * p.a_strides[k / 4u][k % 4u];
    ib += c * p.b_strides[k / 4u][k % 4u];
  }
  y[i] = activate(apply(a[ia], b[ib]), p.act, 0.0);
}
