// DepthwiseConv2D input gradient for multiplier 1 and C % 4 == 0: dx[n,ih,iw,c] = sum over the
// taps that reach (ih, iw) of dy[n,oh,ow,c] * w[tap,c], all vec4 along the channels. Each thread
// owns PX input pixels of one stride class x CQ channel quads, grouped as in
// conv2d_dgrad_vec8.wgsl: class (rh, rw) holds the pixels with ih % SH == rh and iw % SW == rw,
// numbered (n, ih / SH, iw / SW), so a tap's stride test runs once per thread. A tap costs CQ
// weight loads and PX*CQ dy loads for PX*CQ vec4 multiply-adds. Threads of a workgroup are all
// pixel groups (SIMD lanes on llvmpipe); the channel quad group is the workgroup's y.
// No workgroup memory, no barriers. Grid: pixel groups (SH*SW classes x
// ceil(N*ceil(H/SH)*ceil(W/SW) / PX)) over x (and z), ceil(C / (4*CQ)) over y.
// inputs: dy, w; outputs: dx; params: Params (include/conv.wgsl)
#include "conv"
@group(0) @binding(0) var<storage, read> dy: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> w: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> dx: array<vec4<f32>>;
@group(0) @binding(3) var<uniform> p: Params;

override WGX: u32 = 8u;
override WGY: u32 = 8u;
override PX: u32 = 8u;   // input pixels per thread, 1..8
override CQ: u32 = 1u;   // channel quads per thread, 1..4

@compute @workgroup_size(WGX, WGY, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let C4 = p.C / 4u;
  let q0 = wid.y * CQ;
  let HQ = (p.H + p.SH - 1u) / p.SH;
  let WQ = (p.W + p.SW - 1u) / p.SW;
  let per = p.N * HQ * WQ;              // pixels per stride class
  let G = (per + PX - 1u) / PX;         // groups per class
  let grp = (wid.z * nwg.x + wid.x) * (WGX * WGY) + li;
  let cls = grp / G;
  if (q0 >= C4 || cls >= p.SH * p.SW) { return; }
  let rh = cls / p.SW;
  let rw = cls % p.SW;
  let t0 = (grp % G) * PX;
  var q: array<u32, 4>;
  for (var j = 0u; j < CQ; j++) { q[j] = min(q0 + j, C4 - 1u); }
  var img: array<u32, 8>;
  var qh: array<i32, 8>;
  var qw: array<i32, 8>;
  var pix: array<u32, 8>;
  var inb: array<bool, 8>;
  for (var i = 0u; i < PX; i++) {
    let t = min(t0 + i, per - 1u);
    let r = t % (HQ * WQ);
    let ih = rh + (r / WQ) * p.SH;
    let iw = rw + (r % WQ) * p.SW;
    inb[i] = t0 + i < per && ih < p.H && iw < p.W;
    img[i] = t / (HQ * WQ);
    pix[i] = (img[i] * p.H + min(ih, p.H - 1u)) * p.W + min(iw, p.W - 1u);
    img[i] *= p.OH;
    qh[i] = i32(r / WQ);
    qw[i] = i32(r % WQ);
  }
  var acc: array<array<vec4<f32>, 4>, 8>;
  for (var kh = 0u; kh < p.KH; kh++) {
    // Output row oh = (ih + PT - kh*DH) / SH when that divides: the same test for the whole class.
    let bh = i32(rh + p.PT) - i32(kh * p.DH);
    if (bh % i32(p.SH) != 0) { continue; }
    let dh = bh / i32(p.SH);
    for (var kw = 0u; kw < p.KW; kw++) {
      let bw = i32(rw + p.PL) - i32(kw * p.DW);
      if (bw % i32(p.SW) != 0) { continue; }
      let dw = bw / i32(p.SW);
      let wr = (kh * p.KW + kw) * C4;
      var wv: array<vec4<f32>, 4>;
      for (var j = 0u; j < CQ; j++) { wv[j] = w[wr + q[j]]; }
      for (var i = 0u; i < PX; i++) {
        let oh = qh[i] + dh;
        let ow = qw[i] + dw;
        let ok = oh >= 0 && oh < i32(p.OH) && ow >= 0 && ow < i32(p.OW);
        let b = select(0u, ((img[i] + u32(oh)) * p.OW + u32(ow)) * C4, ok);
        let msk = select(0.0, 1.0, ok);
        for (var j = 0u; j < CQ; j++) { acc[i][j] += (dy[b + q[j]] * msk) * wv[j]; }
      }
    }
  }
  for (var j = 0u; j < CQ; j++) {
    let qj = q0 + j;
    if (qj >= C4) { break; }
    for (var i = 0u; i < PX; i++) {
      if (!inb[i]) { continue; }
      dx[pix[i] * C4 + qj] = acc[i][j];
    }
  }
}
