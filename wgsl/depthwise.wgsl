// DepthwiseConv2D forward: y[n,oh,ow,c*M+m] = act(sum_taps x[n,ih,iw,c] * w[kh,kw,c,m] + bias).
// The Keras kernel [KH,KW,C,M] read flat is [taps, O] with O = C*M, so output channel oc reads
// w[tap*O + oc] and input channel oc / M. Each thread owns PX pixels x 4 output channels;
// no workgroup memory. Grid as conv2d.wgsl.
// inputs: x, w, bias (ignored unless has_bias); outputs: y; params: Params (mult = M)
#include "conv"
#include "activation"
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

override WGX: u32 = 4u;
override WGY: u32 = 16u;
override PX: u32 = 4u;

@compute @workgroup_size(WGX, WGY, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let o0 = gid.x * 4u;
  let m0 = ((wid.z * nwg.y + wid.y) * WGY + lid.y) * PX;
  let M = p.N * p.OH * p.OW;
  if (o0 >= p.O || m0 >= M) { return; }
  var oc: array<u32, 4>;
  var ic: array<u32, 4>;
  for (var j = 0u; j < 4u; j++) { oc[j] = min(o0 + j, p.O - 1u); ic[j] = oc[j] / p.mult; }
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
      let wr = (kh * p.KW + kw) * p.O;
      let wv = vec4<f32>(w[wr + oc[0]], w[wr + oc[1]], w[wr + oc[2]], w[wr + oc[3]]);
      for (var i = 0u; i < PX; i++) {
        let ih = ih0[i] + i32(kh * p.DH);
        let iw = iw0[i] + i32(kw * p.DW);
        let ok = ih >= 0 && ih < i32(p.H) && iw >= 0 && iw < i32(p.W);
        let b = select(0u, ((img[i] + u32(ih)) * p.W + u32(iw)) * p.C, ok);
        let xv = vec4<f32>(x[b + ic[0]], x[b + ic[1]], x[b + ic[2]], x[b + ic[3]]);
        acc[i] += select(vec4<f32>(0.0), xv, ok) * wv;
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
