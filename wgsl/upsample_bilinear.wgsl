// Bilinear resizing of NHWC to oh x ow (UpSampling2D interpolation='bilinear'), TF's rules
// (include/bilinear.wgsl); scale = in / out per axis.
// inputs: x; outputs: y; params: n, h, w, c, oh, ow, half_pixel, scale_h (f32), scale_w (f32)
#include "index"
#include "bilinear"
struct Params { n: u32, h: u32, w: u32, c: u32, oh: u32, ow: u32, half_pixel: u32, scale_h: f32, scale_w: f32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = linear_index(wid, nwg, lid);
  if (i >= p.n * p.oh * p.ow * p.c) { return; }
  let ch = i % p.c;
  let ox = (i / p.c) % p.ow;
  let oy = (i / (p.c * p.ow)) % p.oh;
  let b = i / (p.c * p.ow * p.oh);
  let ty = taps(oy, p.scale_h, p.h, p.half_pixel);
  let tx = taps(ox, p.scale_w, p.w, p.half_pixel);
  let r0 = (b * p.h + ty.lo) * p.w;
  let r1 = (b * p.h + ty.hi) * p.w;
  let top = mix(x[(r0 + tx.lo) * p.c + ch], x[(r0 + tx.hi) * p.c + ch], tx.t);
  let bot = mix(x[(r1 + tx.lo) * p.c + ch], x[(r1 + tx.hi) * p.c + ch], tx.t);
  y[i] = mix(top, bot, ty.t);
}
