// Geometry shared by the conv kernels (conv2d*, depthwise*), NHWC activations, in the order
// src/kernels/conv-geometry.ts packs it. The "input" is the conv's input x [N,H,W,C], the
// "output" is y [N,OH,OW,O]; pads are TensorFlow's (extra padding at bottom/right).
struct Params {
  N: u32, H: u32, W: u32, C: u32,
  OH: u32, OW: u32, O: u32, KH: u32,
  KW: u32, SH: u32, SW: u32, DH: u32,
  DW: u32, PT: u32, PL: u32, has_bias: u32,
  act: u32, alpha: f32, splits: u32, chunk: u32,
  mult: u32,
}

// a / s for the dgrad kernels' "which output pixel reads this input pixel" test, in f32: integer
// division is not vectorized on CPU adapters (llvmpipe) and dominated the depthwise dgrad. Exact
// (floor) while |a| < 2^20 and s < 64: the quotient's fractional part stays >= 0.5/s from an
// integer. Callers check q * s == a, so a wrong q could only drop a tap, never add one.
fn div_exact(a: i32, s: u32) -> i32 {
  return i32(floor((f32(a) + 0.5) / f32(s)));
}
