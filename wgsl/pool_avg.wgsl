// Average pooling, NHWC, averaging only the window's elements inside the input (TF 'same').
// inputs: x; outputs: y; params: see include/pool.wgsl
#include "index"
#include "pool"
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
  let ya = max(i32(oy * p.sh) - i32(p.pt), 0);
  let yb = min(i32(oy * p.sh + p.ph) - i32(p.pt), i32(p.h));
  let xa = max(i32(ox * p.sw) - i32(p.pl), 0);
  let xb = min(i32(ox * p.sw + p.pw) - i32(p.pl), i32(p.w));
  var acc = 0.0;
  for (var yy = ya; yy < yb; yy++) {
    for (var xx = xa; xx < xb; xx++) {
      acc += x[((b * p.h + u32(yy)) * p.w + u32(xx)) * p.c + ch];
    }
  }
  y[i] = acc / f32(max((yb - ya) * (xb - xa), 1));
}
