// Pooling geometry shared by the pool2d kernels: NHWC input [n, h, w, c] pooled by windows of
// ph x pw taken every sh x sw, starting pt rows above and pl columns left of the input (TF padding).
struct Params {
  n: u32, h: u32, w: u32, c: u32,
  oh: u32, ow: u32, ph: u32, pw: u32,
  sh: u32, sw: u32, pt: u32, pl: u32,
}
