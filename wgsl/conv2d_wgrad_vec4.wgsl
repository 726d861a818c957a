// Conv2D filter gradient, split-K, for C % 4 == 0 and O % 4 == 0: as conv2d_wgrad.wgsl, but each
// thread owns 4 consecutive channels of one tap x FQ quads of filters and reads x and dy as vec4,
// so a pixel costs 1 + FQ vector loads for 16*FQ multiply-adds (an outer product). No workgroup
// memory.
// Precision: a prelude (src/gpu/precision.ts) supplies q4, which rounds x and dy to f16 under
// mixed and f16 (identity under f32); neither is a weight, so both stay float32 in memory.
// inputs: x, dy; outputs: partial [splits, KH*KW*C, O]; params: Params (include/conv.wgsl)
#include "conv"
@group(0) @binding(0) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> dy: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> part: array<vec4<f32>>;
@group(0) @binding(3) var<uniform> p: Params;

override WGX: u32 = 4u;
override WGY: u32 = 16u;
override FQ: u32 = 2u;   // filter quads per thread, 1..4

@compute @workgroup_size(WGX, WGY, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let o4 = gid.x * FQ;
  let r4 = gid.y;   // (tap, channel quad)
  let s = gid.z;
  let O4 = p.O / 4u;
  let C4 = p.C / 4u;
  let R4 = p.KH * p.KW * C4;
  if (o4 >= O4 || r4 >= R4) { return; }
  let tap = r4 / C4;
  let cq = r4 % C4;
  let dh = i32((tap / p.KW) * p.DH) - i32(p.PT);
  let dw = i32((tap % p.KW) * p.DW) - i32(p.PL);
  let K = p.N * p.OH * p.OW;
  let k0 = s * p.chunk;
  let k1 = min(k0 + p.chunk, K);
  var acc: array<vec4<f32>, 16>;   // [channel j][filter quad q] at j * 4 + q
  let nq = min(FQ, O4 - o4);
  // Walk the chunk's pixels with counters: integer division per pixel is slow on CPU adapters.
  var ow = k0 % p.OW;
  var oh = (k0 / p.OW) % p.OH;
  var img = k0 / (p.OW * p.OH) * p.H;
  for (var k = k0; k < k1; k++) {
    let ih = i32(oh * p.SH) + dh;
    let iw = i32(ow * p.SW) + dw;
    let ok = ih >= 0 && ih < i32(p.H) && iw >= 0 && iw < i32(p.W);
    let xv = q4(x[select(0u, ((img + u32(ih)) * p.W + u32(iw)) * C4 + cq, ok)]) * select(0.0, 1.0, ok);
    for (var q = 0u; q < FQ; q++) {
      let dv = q4(dy[k * O4 + min(o4 + q, O4 - 1u)]);
      acc[q] += xv.x * dv;
      acc[4u + q] += xv.y * dv;
      acc[8u + q] += xv.z * dv;
      acc[12u + q] += xv.w * dv;
    }
    ow++;
    if (ow == p.OW) { ow = 0u; oh++; if (oh == p.OH) { oh = 0u; img += p.H; } }
  }
  // Row r = tap*C + cq*4 + j of the [R, O] partial, as vec4 along O.
  let base = (s * p.KH * p.KW * p.C + tap * p.C + cq * 4u) * O4 + o4;
  for (var j = 0u; j < 4u; j++) {
    for (var q = 0u; q < FQ; q++) {
      if (q < nq) { part[base + j * O4 + q] = acc[j * 4u + q]; }
    }
  }
}
