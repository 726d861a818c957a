// Max pooling, NHWC. Padded positions never win (TF 'same'); ties go to the first element in
// row-major window order. Also writes the winner's window offset (ky * pw + kx) for the backward.
// inputs: x; outputs: y, arg; params: see include/pool.wgsl
#include "index"
#include "pool"
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<storage, read_write> arg: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = linear_index(wid, nwg, lid);
  if (i >= p.n * p.oh * p.ow * p.c) { return; }
  let ch = i % p.c;
  let ox = (i / p.c) % p.ow;
  let oy = (i / (p.c * p.ow)) % p.oh;
  let b = i / (p.c * p.ow * p.oh);
  let y0 = i32(oy * p.sh) - i32(p.pt);
  let x0 = i32(ox * p.sw) - i32(p.pl);
  var best = -3.4028234e38;
  var at = 0u;
  var found = false;
  for (var ky = 0u; ky < p.ph; ky++) {
    let yy = y0 + i32(ky);
    if (yy < 0 || yy >= i32(p.h)) { continue; }
    for (var kx = 0u; kx < p.pw; kx++) {
      let xx = x0 + i32(kx);
      if (xx < 0 || xx >= i32(p.w)) { continue; }
      let v = x[((b * p.h + u32(yy)) * p.w + u32(xx)) * p.c + ch];
      if (!found || v > best) { best = v; at = ky * p.pw + kx; found = true; }
    }
  }
  y[i] = best;
  arg[i] = f32(at);
}
