// Backward of nearest upsampling: dx[b, y, x, c] = sum of dy over its sh x sw x sc block.
// inputs: dy; outputs: dx; params: n, h, w, c, sh, sw, sc (the forward's input sizes)
#include "index"
struct Params { n: u32, h: u32, w: u32, c: u32, sh: u32, sw: u32, sc: u32 }
@group(0) @binding(0) var<storage, read> dy: array<f32>;
@group(0) @binding(1) var<storage, read_write> dx: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = linear_index(wid, nwg, lid);
  if (i >= p.n * p.h * p.w * p.c) { return; }
  let ch = i % p.c;
  let xx = (i / p.c) % p.w;
  let yy = (i / (p.c * p.w)) % p.h;
  let b = i / (p.c * p.w * p.h);
  let oc = p.c * p.sc;
  let ow = p.w * p.sw;
  let oh = p.h * p.sh;
  var acc = 0.0;
  for (var ky = 0u; ky < p.sh; ky++) {
    for (var kx = 0u; kx < p.sw; kx++) {
      let base = ((b * oh + yy * p.sh + ky) * ow + xx * p.sw + kx) * oc + ch * p.sc;
      for (var kc = 0u; kc < p.sc; kc++) { acc += dy[base + kc]; }
    }
  }
  dx[i] = acc;
}
