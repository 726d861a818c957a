// DepthwiseConv2D filter gradient for multiplier 1 and C % 4 == 0, split-K as depthwise_wgrad.wgsl:
// dw[tap, c] = sum over (n,oh,ow) of x[n,ih,iw,c] * dy[n,oh,ow,c], vec4 along the channels. Each
// thread owns TQ taps x 1 channel quad over one chunk of output pixels: a pixel costs 1 + TQ
// vector loads for TQ vec4 multiply-adds. The chunks are the workgroup's x (SIMD lanes on
// llvmpipe, so few channels still fill them), the channel quad its y and the tap group its z;
// partial[s, tap, c] is reduced over s afterwards. No workgroup memory, no barriers.
// Grid: ceil(splits / WGX) x C / 4 x ceil(KH*KW / TQ).
// inputs: x, dy; outputs: partial; params: Params (include/conv.wgsl)
#include "conv"
@group(0) @binding(0) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> dy: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> part: array<vec4<f32>>;
@group(0) @binding(3) var<uniform> p: Params;

override WGX: u32 = 8u;
override TQ: u32 = 9u;   // taps per thread, 1..9

@compute @workgroup_size(WGX, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let s = gid.x;
  let q = wid.y;
  let r0 = wid.z * TQ;
  let R = p.KH * p.KW;
  let C4 = p.C / 4u;
  if (s >= p.splits || q >= C4 || r0 >= R) { return; }
  var dh: array<i32, 9>;
  var dw: array<i32, 9>;
  for (var t = 0u; t < TQ; t++) {
    let tap = min(r0 + t, R - 1u);
    dh[t] = i32((tap / p.KW) * p.DH) - i32(p.PT);
    dw[t] = i32((tap % p.KW) * p.DW) - i32(p.PL);
  }
  let K = p.N * p.OH * p.OW;
  let k0 = s * p.chunk;
  let k1 = min(k0 + p.chunk, K);
  var acc: array<vec4<f32>, 9>;
  // Walk the chunk's pixels with counters: integer division per pixel is slow on CPU adapters.
  var ow = k0 % p.OW;
  var oh = (k0 / p.OW) % p.OH;
  var img = k0 / (p.OW * p.OH) * p.H;
  for (var k = k0; k < k1; k++) {
    let ihb = i32(oh * p.SH);
    let iwb = i32(ow * p.SW);
    let d = dy[k * C4 + q];
    for (var t = 0u; t < TQ; t++) {
      let ih = ihb + dh[t];
      let iw = iwb + dw[t];
      let ok = ih >= 0 && ih < i32(p.H) && iw >= 0 && iw < i32(p.W);
      let b = select(0u, ((img + u32(ih)) * p.W + u32(iw)) * C4, ok);
      acc[t] += (x[b + q] * select(0.0, 1.0, ok)) * d;
    }
    ow++;
    if (ow == p.OW) { ow = 0u; oh++; if (oh == p.OH) { oh = 0u; img += p.H; } }
  }
  for (var t = 0u; t < TQ; t++) {
    let r = r0 + t;
    if (r >= R) { break; }
    part[(s * R + r) * C4 + q] = acc[t];
  }
}
