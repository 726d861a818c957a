// Zero padding and cropping of NHWC tensors in one kernel: y[b, oy, ox, c] = x[b, oy - top,
// ox - left, c], zero where that falls outside x. Negative top/left crop. The backward of a
// pad is a crop and vice versa, so both directions use this kernel.
// inputs: x; outputs: y; params: n, h, w, c, oh, ow, top (i32), left (i32)
#include "index"
struct Params { n: u32, h: u32, w: u32, c: u32, oh: u32, ow: u32, top: i32, left: i32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = linear_index(wid, nwg, lid);
  if (i >= p.n * p.oh * p.ow * p.c) { return; }
  let ch = i % p.c;
  let xx = i32((i / p.c) % p.ow) - p.left;
  let yy = i32((i / (p.c * p.ow)) % p.oh) - p.top;
  let b = i / (p.c * p.ow * p.oh);
  var v = 0.0;
  if (xx >= 0 && xx < i32(p.w) && yy >= 0 && yy < i32(p.h)) {
    v = x[((b * p.h + u32(yy)) * p.w + u32(xx)) * p.c + ch];
  }
  y[i] = v;
}
