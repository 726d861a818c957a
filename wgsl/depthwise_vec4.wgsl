// DepthwiseConv2D forward for multiplier 1 and C % 4 == 0: y[n,oh,ow,c] = act(sum over taps of
// x[n,ih,iw,c] * w[tap,c] + bias[c]), x, w and y read and written as vec4 along the channels.
// Each thread owns PX consecutive output pixels x CQ channel quads: a tap costs CQ weight loads
// and PX*CQ input loads for PX*CQ vec4 multiply-adds, and the pixels' bounds tests are shared by
// the CQ quads. Threads of a workgroup are all pixel groups (llvmpipe runs the x of a workgroup
// as SIMD lanes, so few channels still fill them); the channel quad group is the workgroup's y.
// No workgroup memory, no barriers. A partial last group of quads clamps its reads and skips its
// stores. Grid: pixel groups over x (and z past the per-dimension limit), ceil(C / (4*CQ)) over y.
// inputs: x, w, bias (ignored unless has_bias); outputs: y; params: Params (include/conv.wgsl)
#include "conv"
#include "activation"
@group(0) @binding(0) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> w: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<vec4<f32>>;
@group(0) @binding(4) var<uniform> p: Params;

override WGX: u32 = 8u;
override WGY: u32 = 8u;
override PX: u32 = 8u;   // output pixels per thread, 1..8
override CQ: u32 = 1u;   // channel quads per thread, 1..4

fn act4(v: vec4<f32>) -> vec4<f32> {
  return vec4<f32>(activate(v.x, p.act, p.alpha), activate(v.y, p.act, p.alpha), activate(v.z, p.act, p.alpha), activate(v.w, p.act, p.alpha));
}

@compute @workgroup_size(WGX, WGY, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let C4 = p.C / 4u;
  let q0 = wid.y * CQ;
  let m0 = ((wid.z * nwg.x + wid.x) * (WGX * WGY) + li) * PX;
  let M = p.N * p.OH * p.OW;
  if (q0 >= C4 || m0 >= M) { return; }
  var q: array<u32, 4>;
  for (var j = 0u; j < CQ; j++) { q[j] = min(q0 + j, C4 - 1u); }
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
  var acc: array<array<vec4<f32>, 4>, 8>;
  for (var kh = 0u; kh < p.KH; kh++) {
    for (var kw = 0u; kw < p.KW; kw++) {
      let wr = (kh * p.KW + kw) * C4;
      var wv: array<vec4<f32>, 4>;
      for (var j = 0u; j < CQ; j++) { wv[j] = w[wr + q[j]]; }
      for (var i = 0u; i < PX; i++) {
        let ih = ih0[i] + i32(kh * p.DH);
        let iw = iw0[i] + i32(kw * p.DW);
        let ok = ih >= 0 && ih < i32(p.H) && iw >= 0 && iw < i32(p.W);
        let b = select(0u, ((img[i] + u32(ih)) * p.W + u32(iw)) * C4, ok);
        let msk = select(0.0, 1.0, ok);
        for (var j = 0u; j < CQ; j++) { acc[i][j] += (x[b + q[j]] * msk) * wv[j]; }
      }
    }
  }
  for (var j = 0u; j < CQ; j++) {
    let qj = q0 + j;
    if (qj >= C4) { break; }
    var bb = vec4<f32>(0.0);
    if (p.has_bias != 0u) { bb = vec4<f32>(bias[qj * 4u], bias[qj * 4u + 1u], bias[qj * 4u + 2u], bias[qj * 4u + 3u]); }
    for (var i = 0u; i < PX; i++) {
      let m = m0 + i;
      if (m >= M) { break; }
      y[m * C4 + qj] = act4(acc[i][j] + bb);
    }
  }
}
