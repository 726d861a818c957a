// Backward of bilinear resizing as a gather: dx[b, y, x, c] sums dy[b, oy, ox, c] times the weight
// input (y, x) had in output (oy, ox). Outputs that can touch row y lie within about
// 2 / scale of y / scale, so each thread scans that band only.
// inputs: dy; outputs: dx; params: as upsample_bilinear (forward sizes)
#include "index"
#include "bilinear"
struct Params { n: u32, h: u32, w: u32, c: u32, oh: u32, ow: u32, half_pixel: u32, scale_h: f32, scale_w: f32 }
@group(0) @binding(0) var<storage, read> dy: array<f32>;
@group(0) @binding(1) var<storage, read_write> dx: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

fn weight(t: Taps, k: u32) -> f32 {
  return select(0.0, 1.0 - t.t, t.lo == k) + select(0.0, t.t, t.hi == k);
}

fn band(k: u32, scale: f32, out: u32) -> vec2<u32> {
  let lo = max(floor((f32(k) - 1.5) / scale) - 1.0, 0.0);
  let hi = min(ceil((f32(k) + 1.5) / scale) + 1.0, f32(out - 1u));
  return vec2<u32>(u32(lo), u32(hi));
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = linear_index(wid, nwg, lid);
  if (i >= p.n * p.h * p.w * p.c) { return; }
  let ch = i % p.c;
  let xx = (i / p.c) % p.w;
  let yy = (i / (p.c * p.w)) % p.h;
  let b = i / (p.c * p.w * p.h);
  // Edge rows/columns also collect the clamped taps of outputs beyond the input.
  var by = band(yy, p.scale_h, p.oh);
  var bx = band(xx, p.scale_w, p.ow);
  if (yy == p.h - 1u) { by.y = p.oh - 1u; }
  if (xx == p.w - 1u) { bx.y = p.ow - 1u; }
  if (yy == 0u) { by.x = 0u; }
  if (xx == 0u) { bx.x = 0u; }
  var acc = 0.0;
  for (var oy = by.x; oy <= by.y; oy++) {
    let wy = weight(taps(oy, p.scale_h, p.h, p.half_pixel), yy);
    if (wy == 0.0) { continue; }
    for (var ox = bx.x; ox <= bx.y; ox++) {
      let wx = weight(taps(ox, p.scale_w, p.w, p.half_pixel), xx);
      if (wx == 0.0) { continue; }
      acc += wy * wx * dy[((b * p.oh + oy) * p.ow + ox) * p.c + ch];
    }
  }
  dx[i] = acc;
}
