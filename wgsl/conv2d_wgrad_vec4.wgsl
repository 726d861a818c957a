// Conv2D filter gradient, split-K, for C % 4 == 0 and O % 4 == 0: as conv2d_wgrad.wgsl, but each
// thread owns CQ quads of consecutive channels of one tap x FQ quads of filters and reads x and dy
// as vec4, so a pixel costs CQ + FQ vector loads for 16*CQ*FQ multiply-adds (an outer product).
// No workgroup memory. CQ and FQ size the accumulators, so they are consts, set per block by
// specializeShader() (WGRAD_BLOCKS in src/kernels/conv2d.ts: CPU adapters gain from large ones).
// A partial last group of channel or filter quads clamps its reads and skips those stores.
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
const FQ: u32 = 2u;   // filter quads per thread
const CQ: u32 = 1u;   // channel quads per thread

@compute @workgroup_size(WGX, WGY, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let o4 = gid.x * FQ;
  let r = gid.y;   // (tap, group of CQ channel quads)
  let s = gid.z;
  let O4 = p.O / 4u;
  let C4 = p.C / 4u;
  let groups = (C4 + CQ - 1u) / CQ;
  if (o4 >= O4 || r >= p.KH * p.KW * groups) { return; }
  let tap = r / groups;
  let cq0 = (r % groups) * CQ;
  let dh = i32((tap / p.KW) * p.DH) - i32(p.PT);
  let dw = i32((tap % p.KW) * p.DW) - i32(p.PL);
  let K = p.N * p.OH * p.OW;
  let k0 = s * p.chunk;
  let k1 = min(k0 + p.chunk, K);
  var acc: array<array<array<vec4<f32>, FQ>, 4>, CQ>;   // [channel quad][channel in the quad][filter quad]
  var dv: array<vec4<f32>, FQ>;
  let nq = min(FQ, O4 - o4);
  // Walk the chunk's pixels with counters: integer division per pixel is slow on CPU adapters.
  var ow = k0 % p.OW;
  var oh = (k0 / p.OW) % p.OH;
  var img = k0 / (p.OW * p.OH) * p.H;
  for (var k = k0; k < k1; k++) {
    let ih = i32(oh * p.SH) + dh;
    let iw = i32(ow * p.SW) + dw;
    let ok = ih >= 0 && ih < i32(p.H) && iw >= 0 && iw < i32(p.W);
    let xo = select(0u, ((img + u32(ih)) * p.W + u32(iw)) * C4, ok);
    let m = select(0.0, 1.0, ok);
    for (var q = 0u; q < FQ; q++) { dv[q] = q4(dy[k * O4 + min(o4 + q, O4 - 1u)]); }
    for (var i = 0u; i < CQ; i++) {
      let xv = q4(x[xo + min(cq0 + i, C4 - 1u)]) * m;
      for (var q = 0u; q < FQ; q++) {
        acc[i][0][q] += xv.x * dv[q];
        acc[i][1][q] += xv.y * dv[q];
        acc[i][2][q] += xv.z * dv[q];
        acc[i][3][q] += xv.w * dv[q];
      }
    }
    ow++;
    if (ow == p.OW) { ow = 0u; oh++; if (oh == p.OH) { oh = 0u; img += p.H; } }
  }
  // Row tap*C + cq*4 + j of the [R, O] partial, as vec4 along O.
  for (var i = 0u; i < CQ; i++) {
    let cq = cq0 + i;
    if (cq >= C4) { break; }
    let base = (s * p.KH * p.KW * p.C + tap * p.C + cq * 4u) * O4 + o4;
    for (var j = 0u; j < 4u; j++) {
      for (var q = 0u; q < FQ; q++) {
        if (q < nq) { part[base + j * O4 + q] = acc[i][j][q]; }
      }
    }
  }
}
