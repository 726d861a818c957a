// Conv2D input gradient for C % 4 == 0 and O % 4 == 0 with a larger register block than
// conv2d_dgrad_vec4.wgsl: each thread PX input pixels x CQ channel quads (CQ = 2: 8 channels), so
// a step over 4 filters costs PX + 4*CQ vector loads for 16*CQ*PX multiply-adds: each dy vec4 is
// reused for 4*CQ channels and each w vec4 for PX pixels. No workgroup memory, no barriers.
// Pixels are grouped by stride class: class (rh, rw) holds the input pixels with ih % SH == rh
// and iw % SW == rw, numbered (n, ih / SH, iw / SW) and cut into groups of PX that may span rows
// and images (a 3x3 image fills an 8-pixel group). All pixels of a class are reached by the same
// taps, so a tap's stride test runs once per thread, and the pixels need no division per tap.
// A partial last group of quads clamps its reads to the last quad and skips those stores.
// Grid: pixel groups (SH*SW classes x ceil(N*ceil(H/SH)*ceil(W/SW) / PX)) over x and z, channel
// quad groups over y (each workgroup still runs WGX channel threads x WGY pixel groups): llvmpipe
// gives each of its threads a contiguous run of workgroups, x fastest, so the runs split along the
// channels, where the work is even.
// Precision: a prelude (src/gpu/precision.ts) supplies q4, which rounds dy to f16 under mixed and
// f16 (identity under f32), and W4 / w4, w's element type and its widening (halves under f16).
// inputs: dy, w, bias (ignored unless has_bias); outputs: dx; params: Params (include/conv.wgsl)
#include "conv"
#include "activation"
@group(0) @binding(0) var<storage, read> dy: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> w: array<W4>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<vec4<f32>>;
@group(0) @binding(4) var<uniform> p: Params;

override WGX: u32 = 4u;
override WGY: u32 = 16u;
override PX: u32 = 8u;   // input pixels per thread, 1..8
override CQ: u32 = 2u;   // channel quads per thread, 1..4

fn act4(v: vec4<f32>) -> vec4<f32> {
  return vec4<f32>(activate(v.x, p.act, p.alpha), activate(v.y, p.act, p.alpha), activate(v.z, p.act, p.alpha), activate(v.w, p.act, p.alpha));
}

@compute @workgroup_size(WGX, WGY, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let O4 = p.O / 4u;
  let C4 = p.C / 4u;
  let q0 = (wid.y * WGX + lid.x) * CQ;
  let HQ = (p.H + p.SH - 1u) / p.SH;
  let WQ = (p.W + p.SW - 1u) / p.SW;
  let per = p.N * HQ * WQ;              // pixels per stride class
  let G = (per + PX - 1u) / PX;         // groups per class
  let grp = (wid.z * nwg.x + wid.x) * WGY + lid.y;
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
      var off: array<u32, 8>;
      var msk: array<f32, 8>;
      var hit = false;
      for (var i = 0u; i < PX; i++) {
        let oh = qh[i] + dh;
        let ow = qw[i] + dw;
        let ok = oh >= 0 && oh < i32(p.OH) && ow >= 0 && ow < i32(p.OW);
        off[i] = select(0u, ((img[i] + u32(oh)) * p.OW + u32(ow)) * O4, ok);
        msk[i] = select(0.0, 1.0, ok);
        hit = hit || ok;
      }
      if (!hit) { continue; }
      // Rows 4*q .. 4*q+3 of this tap's [C, O] block, as vec4 runs along O.
      let wr = (kh * p.KW + kw) * p.C * O4;
      for (var o = 0u; o < O4; o++) {
        var wv: array<array<vec4<f32>, 4>, 4>;
        for (var j = 0u; j < CQ; j++) {
          let b = wr + q[j] * 4u * O4 + o;
          wv[j][0] = w4(w[b]);
          wv[j][1] = w4(w[b + O4]);
          wv[j][2] = w4(w[b + 2u * O4]);
          wv[j][3] = w4(w[b + 3u * O4]);
        }
        for (var i = 0u; i < PX; i++) {
          let d = q4(dy[off[i] + o]) * msk[i];
          for (var j = 0u; j < CQ; j++) {
            acc[i][j] += vec4<f32>(dot(d, wv[j][0]), dot(d, wv[j][1]), dot(d, wv[j][2]), dot(d, wv[j][3]));
          }
        }
      }
    }
  }
  for (var j = 0u; j < CQ; j++) {
    let qj = q0 + j;
    if (qj >= C4) { break; }
    var bb = vec4<f32>(0.0);
    if (p.has_bias != 0u) { bb = vec4<f32>(bias[qj * 4u], bias[qj * 4u + 1u], bias[qj * 4u + 2u], bias[qj * 4u + 3u]); }
    for (var i = 0u; i < PX; i++) {
      if (!inb[i]) { continue; }
      dx[pix[i] * C4 + qj] = act4(acc[i][j] + bb);
    }
  }
}
