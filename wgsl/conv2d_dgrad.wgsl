// Conv2D input gradient (also Conv2DTranspose's forward): dx = conv_transpose(dy, w), NHWC dy
// [N,OH,OW,O], HWIO w, dx [N,H,W,C], with an optional bias + activation epilogue over C (used by
// Conv2DTranspose). Gather form: each thread owns PX input pixels of one row, SW columns apart,
// x 4 input channels, and walks the taps that reach them: pixels SW apart are reached by the same
// taps, so strided convs skip whole taps instead of masking every other pixel. No workgroup
// memory, no barriers. Grid as conv2d.wgsl, over C / 4 and pixel groups (dgradPixels in TS).
// Precision: a prelude (src/gpu/precision.ts) supplies q1 / q4, which round the multiply operands to
// f16 under mixed and f16 (identity under f32). w stays float32 under f16 too (element reads with
// any channel count have no half copy here), so this kernel runs mixed.
// inputs: dy, w, bias (ignored unless has_bias); outputs: dx; params: Params (include/conv.wgsl)
#include "conv"
#include "activation"
@group(0) @binding(0) var<storage, read> dy: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

override WGX: u32 = 4u;
override WGY: u32 = 16u;
override PX: u32 = 4u;   // input pixels per thread, 1..8

@compute @workgroup_size(WGX, WGY, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let c0 = gid.x * 4u;
  // Pixel groups share a row and a column residue modulo the stride (iw = res + (j0 + i) * SW),
  // so for each tap a group's pixels are all reached or all not (see dgradPixels in TS).
  let grp = (wid.z * nwg.y + wid.y) * WGY + lid.y;
  let GPR = p.SW * (((p.W + p.SW - 1u) / p.SW + PX - 1u) / PX);
  let row = grp / GPR;
  if (c0 >= p.C || row >= p.N * p.H) { return; }
  let res = (grp % GPR) % p.SW;
  let j0 = (grp % GPR) / p.SW * PX;
  var cc: array<u32, 4>;
  for (var j = 0u; j < 4u; j++) { cc[j] = min(c0 + j, p.C - 1u) * p.O; }
  var img: array<u32, 8>;
  var th: array<i32, 8>;
  var tw: array<i32, 8>;
  var pix: array<u32, 8>;
  var inb: array<bool, 8>;
  for (var i = 0u; i < PX; i++) {
    let iw = res + (j0 + i) * p.SW;
    inb[i] = iw < p.W;
    let iwc = min(iw, p.W - 1u);
    pix[i] = row * p.W + iwc;
    img[i] = row / p.H * p.OH;
    th[i] = i32(row % p.H + p.PT);
    tw[i] = i32(iwc + p.PL);
  }
  var acc: array<vec4<f32>, 8>;
  for (var kh = 0u; kh < p.KH; kh++) {
    for (var kw = 0u; kw < p.KW; kw++) {
      var off: array<u32, 8>;
      var msk: array<f32, 8>;
      var hit = false;
      for (var i = 0u; i < PX; i++) {
        // Output pixel (oh, ow) reads this input pixel through tap (kh, kw) when
        // oh * SH + kh * DH == ih + PT, and likewise for the width.
        let a = th[i] - i32(kh * p.DH);
        let b = tw[i] - i32(kw * p.DW);
        let oh = a / i32(p.SH);
        let ow = b / i32(p.SW);
        let ok = a >= 0 && b >= 0 && oh * i32(p.SH) == a && ow * i32(p.SW) == b && oh < i32(p.OH) && ow < i32(p.OW);
        off[i] = select(0u, ((img[i] + u32(oh)) * p.OW + u32(ow)) * p.O, ok);
        msk[i] = select(0.0, 1.0, ok);
        hit = hit || ok;
      }
      if (!hit) { continue; }
      let wr = (kh * p.KW + kw) * p.C * p.O;
      for (var o = 0u; o < p.O; o++) {
        let wv = q4(vec4<f32>(w[wr + cc[0] + o], w[wr + cc[1] + o], w[wr + cc[2] + o], w[wr + cc[3] + o]));
        for (var i = 0u; i < PX; i++) { acc[i] += (q1(dy[off[i] + o]) * msk[i]) * wv; }
      }
    }
  }
  for (var i = 0u; i < PX; i++) {
    if (!inb[i]) { continue; }
    let m = pix[i];
    for (var j = 0u; j < 4u; j++) {
      let c = c0 + j;
      if (c >= p.C) { break; }
      var v = acc[i][j];
      if (p.has_bias != 0u) { v += bias[c]; }
      dx[m * p.C + c] = activate(v, p.act, p.alpha);
    }
  }
}
