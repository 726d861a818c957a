// Conv2D forward for C % 4 == 0 and O % 4 == 0, implicit-GEMM style with a larger register block
// than conv2d_vec4.wgsl: each thread PX output pixels x OQ filter quads (OQ = 2: 8 filters), so a
// step over 4 input channels costs PX + 4*OQ vector loads for 16*OQ*PX multiply-adds: each input
// vec4 is reused for 4*OQ filters and each filter vec4 for PX pixels. No workgroup memory, no barriers (llvmpipe runs
// invocations as SIMD lanes, where barriers are costly and loads per multiply-add decide).
// PX and OQ size the register arrays, so they are consts, set per variant by specializeShader()
// (FWD_TILES and FWD_OQ in src/kernels: up to 32 pixels x 8 quads, for CPU adapters).
// A partial last group of quads clamps its reads to the last quad and skips those stores.
// Grid as conv2d_vec4.wgsl (either layout, override PXG) but over ceil(O / (4*OQ)) and pixel groups.
// Precision: a prelude (src/gpu/precision.ts) supplies q4, which rounds x to f16 under mixed and
// f16 (identity under f32), and W4 / w4, w's element type and its widening (halves under f16).
// inputs: x, w, bias (ignored unless has_bias); outputs: y; params: Params (include/conv.wgsl)
#include "conv"
#include "activation"
@group(0) @binding(0) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> w: array<W4>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<vec4<f32>>;
@group(0) @binding(4) var<uniform> p: Params;

override WGX: u32 = 4u;
override WGY: u32 = 16u;
const PX: u32 = 4u;   // output pixels per thread
const OQ: u32 = 2u;   // filter quads per thread
override PXG: u32 = 0u;  // grid layout, as conv2d.wgsl: 0 channel groups on x, 1 pixel groups on x

fn act4(v: vec4<f32>) -> vec4<f32> {
  return vec4<f32>(activate(v.x, p.act, p.alpha), activate(v.y, p.act, p.alpha), activate(v.z, p.act, p.alpha), activate(v.w, p.act, p.alpha));
}

@compute @workgroup_size(WGX, WGY, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let O4 = p.O / 4u;
  let C4 = p.C / 4u;
  let pxg = PXG != 0u;
  let q0 = (select(wid.x, wid.y, pxg) * WGX + lid.x) * OQ;
  let m0 = ((wid.z * select(nwg.y, nwg.x, pxg) + select(wid.y, wid.x, pxg)) * WGY + lid.y) * PX;
  let M = p.N * p.OH * p.OW;
  if (q0 >= O4 || m0 >= M) { return; }
  var q: array<u32, OQ>;
  for (var j = 0u; j < OQ; j++) { q[j] = min(q0 + j, O4 - 1u); }
  var img: array<u32, PX>;
  var ih0: array<i32, PX>;
  var iw0: array<i32, PX>;
  for (var i = 0u; i < PX; i++) {
    let m = min(m0 + i, M - 1u);
    let r = m % (p.OH * p.OW);
    img[i] = m / (p.OH * p.OW) * p.H;
    ih0[i] = i32((r / p.OW) * p.SH) - i32(p.PT);
    iw0[i] = i32((r % p.OW) * p.SW) - i32(p.PL);
  }
  var acc: array<array<vec4<f32>, OQ>, PX>;
  for (var kh = 0u; kh < p.KH; kh++) {
    for (var kw = 0u; kw < p.KW; kw++) {
      var off: array<u32, PX>;
      var msk: array<f32, PX>;
      var hit = false;
      for (var i = 0u; i < PX; i++) {
        let ih = ih0[i] + i32(kh * p.DH);
        let iw = iw0[i] + i32(kw * p.DW);
        let ok = ih >= 0 && ih < i32(p.H) && iw >= 0 && iw < i32(p.W);
        off[i] = select(0u, ((img[i] + u32(ih)) * p.W + u32(iw)) * C4, ok);
        msk[i] = select(0.0, 1.0, ok);
        hit = hit || ok;
      }
      if (!hit) { continue; }
      var wr = (kh * p.KW + kw) * p.C * O4;
      for (var c = 0u; c < C4; c++) {
        var wv: array<array<vec4<f32>, OQ>, 4>;
        for (var kk = 0u; kk < 4u; kk++) {
          for (var j = 0u; j < OQ; j++) { wv[kk][j] = w4(w[wr + kk * O4 + q[j]]); }
        }
        for (var i = 0u; i < PX; i++) {
          let xv = q4(x[off[i] + c]) * msk[i];
          for (var j = 0u; j < OQ; j++) {
            acc[i][j] += xv.x * wv[0][j] + xv.y * wv[1][j] + xv.z * wv[2][j] + xv.w * wv[3][j];
          }
        }
        wr += 4u * O4;
      }
    }
  }
  for (var j = 0u; j < OQ; j++) {
    let qj = q0 + j;
    if (qj >= O4) { break; }
    var bb = vec4<f32>(0.0);
    if (p.has_bias != 0u) { bb = vec4<f32>(bias[qj * 4u], bias[qj * 4u + 1u], bias[qj * 4u + 2u], bias[qj * 4u + 3u]); }
    for (var i = 0u; i < PX; i++) {
      let m = m0 + i;
      if (m >= M) { break; }
      y[m * O4 + qj] = act4(acc[i][j] + bb);
    }
  }
}
