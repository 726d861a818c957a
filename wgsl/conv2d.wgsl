// Conv2D forward as an implicit GEMM, y = act(conv(x, w) + bias), NHWC x, HWIO w.
// Each thread owns PX consecutive output pixels x 4 consecutive output channels in registers;
// no workgroup memory and no barriers (very costly on CPU adapters such as llvmpipe), no im2col
// buffer. Out-of-range taps read element 0 scaled by 0 instead of branching in the inner loop.
// Grid in two layouts (override PXG; fwdPixelsOnX in src/kernels/conv-geometry.ts picks one):
// 0: channel groups (WGX threads of 4 channels) on x, pixel groups (WGY threads of PX pixels) on
// y, z splitting past the y limit; 1: pixel groups on x (z splitting past the x limit), channel
// groups on y. llvmpipe hands each of its threads a contiguous run of workgroups, x fastest, so
// layout 1 splits the runs along the channels, evenly even when the last pixel workgroup is mostly
// empty (few pixel groups: one thread would get all the empty rows under layout 0).
// Precision: a prelude (src/gpu/precision.ts) supplies q1 / q4, which round the multiply operands to
// f16 under mixed and f16 (identity under f32). w stays float32 under f16 too (element reads with
// any channel count have no half copy here), so this kernel runs mixed.
// inputs: x, w, bias (ignored unless has_bias); outputs: y; params: Params (include/conv.wgsl)
#include "conv"
#include "activation"
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

override WGX: u32 = 4u;  // threads per workgroup along output channels
override WGY: u32 = 16u; // threads per workgroup along pixel groups
override PX: u32 = 4u;   // output pixels per thread, 1..8
override PXG: u32 = 0u;  // grid layout: 0 channel groups on x, 1 pixel groups on x

@compute @workgroup_size(WGX, WGY, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let pxg = PXG != 0u;
  let o0 = (select(wid.x, wid.y, pxg) * WGX + lid.x) * 4u;
  let m0 = ((wid.z * select(nwg.y, nwg.x, pxg) + select(wid.y, wid.x, pxg)) * WGY + lid.y) * PX;
  let M = p.N * p.OH * p.OW;
  if (o0 >= p.O || m0 >= M) { return; }
  var oc: array<u32, 4>;
  for (var j = 0u; j < 4u; j++) { oc[j] = min(o0 + j, p.O - 1u); }
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
        off[i] = select(0u, ((img[i] + u32(ih)) * p.W + u32(iw)) * p.C, ok);
        msk[i] = select(0.0, 1.0, ok);
        hit = hit || ok;
      }
      if (!hit) { continue; }
      var wr = (kh * p.KW + kw) * p.C * p.O;
      for (var c = 0u; c < p.C; c++) {
        let wv = q4(vec4<f32>(w[wr + oc[0]], w[wr + oc[1]], w[wr + oc[2]], w[wr + oc[3]]));
        for (var i = 0u; i < PX; i++) { acc[i] += (q1(x[off[i] + c]) * msk[i]) * wv; }
        wr += p.O;
      }
    }
  }
  for (var i = 0u; i < PX; i++) {
    let m = m0 + i;
    if (m >= M) { break; }
    for (var j = 0u; j < 4u; j++) {
      let o = o0 + j;
      if (o >= p.O) { break; }
      var v = acc[i][j];
      if (p.has_bias != 0u) { v += bias[o]; }
      y[m * p.O + o] = activate(v, p.act, p.alpha);
    }
  }
}
