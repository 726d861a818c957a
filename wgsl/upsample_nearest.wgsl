// Nearest upsampling of NHWC by integer factors, the channel axis included (Keras UpSampling3D
// applied to a 4-D tensor repeats H, W and C): y[b, oy, ox, oc] = x[b, oy / sh, ox / sw, oc / sc].
// inputs: x; outputs: y; params: n, h, w, c, sh, sw, sc
#include "index"
struct Params { n: u32, h: u32, w: u32, c: u32, sh: u32, sw: u32, sc: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = linear_index(wid, nwg, lid);
  let oc = p.c * p.sc;
  let ow = p.w * p.sw;
  let oh = p.h * p.sh;
  if (i >= p.n * oh * ow * oc) { return; }
  let ch = (i % oc) / p.sc;
  let xx = ((i / oc) % ow) / p.sw;
  let yy = ((i / (oc * ow)) % oh) / p.sh;
  let b = i / (oc * ow * oh);
  y[i] = x[((b * p.h + yy) * p.w + xx) * p.c + ch];
}
