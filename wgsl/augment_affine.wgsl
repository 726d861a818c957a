// Per-image projective resampling of an NHWC batch, as TF's ImageProjectiveTransformV3 does for
// Keras's RandomFlip/Rotation/Zoom/Translation/Crop: output pixel (x, y) (integer pixel
// coordinates) reads input (a0 x + a1 y + a2, b0 x + b1 y + b2) / (c0 x + c1 y + 1), with the
// image's 8 transform values t[n*8 .. n*8+7] = a0 a1 a2 b0 b1 b2 c0 c1.
// interp: 0 nearest, 1 bilinear. fill: 0 reflect, 1 wrap, 2 constant (fill_value), 3 nearest.
// inputs: x, t; outputs: y; params: n, h, w, c, oh, ow, interp, fill, fill_value (f32)
#include "index"
struct Params { n: u32, h: u32, w: u32, c: u32, oh: u32, ow: u32, interp: u32, fill: u32, fill_value: f32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> t: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

// TF's map_coord for one axis of length len (fill modes other than constant).
fn map_coord(v: f32, len: f32) -> f32 {
  var c = v;
  if (p.fill == 0u) {
    if (len <= 1.0) { return 0.0; }
    let sz2 = 2.0 * len;
    if (c < 0.0) {
      if (c < -sz2) { c = sz2 * trunc(-c / sz2) + c; }
      c = select(-c - 1.0, c + sz2, c < -len);
    } else if (c > len - 1.0) {
      c = c - sz2 * trunc(c / sz2);
      if (c >= len) { c = sz2 - c - 1.0; }
    }
    return clamp(c, 0.0, len - 1.0);
  }
  if (p.fill == 1u) {
    if (len <= 1.0) { return 0.0; }
    let sz = len - 1.0;
    if (c < 0.0) {
      c = c + len * (trunc(-c / sz) + 1.0);
    } else if (c > sz) {
      c = c - len * trunc(c / sz);
    }
    return clamp(c, 0.0, sz);
  }
  if (p.fill == 3u) { return clamp(c, 0.0, len - 1.0); }
  return c;
}

fn fetch_px(base: u32, yy: f32, xx: f32, ch: u32) -> f32 {
  if (yy < 0.0 || yy > f32(p.h) - 1.0 || xx < 0.0 || xx > f32(p.w) - 1.0) { return p.fill_value; }
  return x[base + (u32(yy) * p.w + u32(xx)) * p.c + ch];
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = linear_index(wid, nwg, lid);
  if (i >= p.n) { return; }
  let ch = i % p.c;
  let ox = (i / p.c) % p.ow;
  let oy = (i / (p.c * p.ow)) % p.oh;
  let b = i / (p.c * p.ow * p.oh);
  let k = b * 8u;
  let fx = f32(ox);
  let fy = f32(oy);
  let proj = t[k + 6u] * fx + t[k + 7u] * fy + 1.0;
  var v = p.fill_value;
  if (proj != 0.0) {
    let sx = map_coord((t[k] * fx + t[k + 1u] * fy + t[k + 2u]) / proj, f32(p.w));
    let sy = map_coord((t[k + 3u] * fx + t[k + 4u] * fy + t[k + 5u]) / proj, f32(p.h));
    let base = b * p.h * p.w * p.c;
    if (p.interp == 0u) {
      v = fetch_px(base, round(sy), round(sx), ch);
    } else {
      let y0 = floor(sy);
      let x0 = floor(sx);
      let y1 = y0 + 1.0;
      let x1 = x0 + 1.0;
      let top = (x1 - sx) * fetch_px(base, y0, x0, ch) + (sx - x0) * fetch_px(base, y0, x1, ch);
      let bot = (x1 - sx) * fetch_px(base, y1, x0, ch) + (sx - x0) * fetch_px(base, y1, x1, ch);
      v = (y1 - sy) * top + (sy - y0) * bot;
    }
  }
  y[i] = v;
}
