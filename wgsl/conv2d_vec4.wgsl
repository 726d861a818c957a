// Conv2D forward for C % 4 == 0 and O % 4 == 0 (every layer but an RGB stem): as conv2d.wgsl,
// but x, w and y are read as vec4 (4 input channels of a pixel, 4 filters of a kernel row), so a
// step over 4 input channels costs PX + 4 vector loads for 16*PX multiply-adds. No workgroup
// memory, no barriers. Grid as conv2d.wgsl (either layout, override PXG), over O / 4 and pixel groups.
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
override PX: u32 = 4u;   // output pixels per thread, 1..8
override PXG: u32 = 0u;  // grid layout, as conv2d.wgsl: 0 channel groups on x, 1 pixel groups on x

@compute @workgroup_size(WGX, WGY, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let pxg = PXG != 0u;
  let o4 = select(wid.x, wid.y, pxg) * WGX + lid.x;
  let O4 = p.O / 4u;
  let C4 = p.C / 4u;
  let m0 = ((wid.z * select(nwg.y, nwg.x, pxg) + select(wid.y, wid.x, pxg)) * WGY + lid.y) * PX;
  let M = p.N * p.OH * p.OW;
  if (o4 >= O4 || m0 >= M) { return; }
  var img: array<u32, 8>;
  var ih0: array<i32, 8>;
  var iw0: array<i32, 8>;
  for (var i = 0u; i < PX; i++) {
    let m = min(m0 + i, M - 1u);
    let r = m % (p.OH * p.OW);
    img[i] = m / (p.OH * p.OW) * p.H;
    ih0[i] = i32((r / p.OW) * p.SH) - i32(p.PT);
    iw0[i] = i32((r % p.OW) * p.SW) - i32(p.PL);
  }
  var acc: array<vec4<f32>, 8>;
  for (var kh = 0u; kh < p.KH; kh++) {
    for (var kw = 0u; kw < p.KW; kw++) {
      var off: array<u32, 8>;
      var msk: array<f32, 8>;
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
      var wr = (kh * p.KW + kw) * p.C * O4 + o4;
      for (var c = 0u; c < C4; c++) {
        let w0 = w4(w[wr]);
        let w1 = w4(w[wr + O4]);
        let w2 = w4(w[wr + 2u * O4]);
        let w3 = w4(w[wr + 3u * O4]);
        for (var i = 0u; i < PX; i++) {
          let xv = q4(x[off[i] + c]) * msk[i];
          acc[i] += xv.x * w0 + xv.y * w1 + xv.z * w2 + xv.w * w3;
        }
        wr += 4u * O4;
      }
    }
  }
  var b = vec4<f32>(0.0);
  if (p.has_bias != 0u) { b = vec4<f32>(bias[o4 * 4u], bias[o4 * 4u + 1u], bias[o4 * 4u + 2u], bias[o4 * 4u + 3u]); }
  for (var i = 0u; i < PX; i++) {
    let m = m0 + i;
    if (m >= M) { break; }
    let v = acc[i] + b;
    y[m * O4 + o4] = vec4<f32>(activate(v.x, p.act, p.alpha), activate(v.y, p.act, p.alpha), activate(v.z, p.act, p.alpha), activate(v.w, p.act, p.alpha));
  }
}
