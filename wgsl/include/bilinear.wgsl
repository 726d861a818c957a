// Source taps of bilinear resizing along one axis, TF's rules: with half-pixel centres
// src = (o + 0.5) * scale - 0.5, otherwise src = o * scale; lower = max(floor(src), 0),
// upper = min(ceil(src), size - 1), weight of upper = src - floor(src).
struct Taps { lo: u32, hi: u32, t: f32 }
fn taps(o: u32, scale: f32, size: u32, half_pixel: u32) -> Taps {
  var src = f32(o) * scale;
  if (half_pixel == 1u) { src = (f32(o) + 0.5) * scale - 0.5; }
  let f = floor(src);
  let lo = u32(max(f, 0.0));
  let hi = u32(min(ceil(src), f32(size - 1u)));
  return Taps(min(lo, size - 1u), hi, src - f);
}
