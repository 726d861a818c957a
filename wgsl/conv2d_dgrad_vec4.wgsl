// Conv2D input gradient for C % 4 == 0 and O % 4 == 0: as conv2d_dgrad.wgsl, but dy and w are
// read as vec4 along the filters and dx written as vec4 along the channels: a step over 4 filters
// costs PX + 4 vector loads for 16*PX multiply-adds. No workgroup memory, no barriers.
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
override PX: u32 = 4u;

@compute @workgroup_size(WGX, WGY, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let c4 = gid.x;
  let O4 = p.O / 4u;
  let C4 = p.C / 4u;
  // Pixel groups share a row and a column residue modulo the stride (iw = res + (j0 + i) * SW),
  // so for each tap a group's pixels are all reached or all not (see dgradPixels in TS).
  let grp = (wid.z * nwg.y + wid.y) * WGY + lid.y;
  let GPR = p.SW * (((p.W + p.SW - 1u) / p.SW + PX - 1u) / PX);
  let row = grp / GPR;
  if (c4 >= C4 || row >= p.N * p.H) { return; }
  let res = (grp % GPR) % p.SW;
  let j0 = (grp % GPR) / p.SW * PX;
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
        let a = th[i] - i32(kh * p.DH);
        let b = tw[i] - i32(kw * p.DW);
        let oh = a / i32(p.SH);
        let ow = b / i32(p.SW);
        let ok = a >= 0 && b >= 0 && oh * i32(p.SH) == a && ow * i32(p.SW) == b && oh < i32(p.OH) && ow < i32(p.OW);
        off[i] = select(0u, ((img[i] + u32(oh)) * p.OW + u32(ow)) * O4, ok);
        msk[i] = select(0.0, 1.0, ok);
        hit = hit || ok;
      }
      if (!hit) { continue; }
      // Rows c4*4 .. c4*4+3 of this tap's [C, O] block, as vec4 runs along O.
      let wr = ((kh * p.KW + kw) * p.C + c4 * 4u) * O4;
      for (var o = 0u; o < O4; o++) {
        let w0 = w4(w[wr + o]);
        let w1 = w4(w[wr + O4 + o]);
        let w2 = w4(w[wr + 2u * O4 + o]);
        let w3 = w4(w[wr + 3u * O4 + o]);
        for (var i = 0u; i < PX; i++) {
          let d = q4(dy[off[i] + o]) * msk[i];
          acc[i] += vec4<f32>(dot(d, w0), dot(d, w1), dot(d, w2), dot(d, w3));
        }
      }
    }
  }
  var bv = vec4<f32>(0.0);
  if (p.has_bias != 0u) { bv = vec4<f32>(bias[c4 * 4u], bias[c4 * 4u + 1u], bias[c4 * 4u + 2u], bias[c4 * 4u + 3u]); }
  for (var i = 0u; i < PX; i++) {
    if (!inb[i]) { continue; }
    let m = pix[i];
    let v = acc[i] + bv;
    dx[m * C4 + c4] = vec4<f32>(activate(v.x, p.act, p.alpha), activate(v.y, p.act, p.alpha), activate(v.z, p.act, p.alpha), activate(v.w, p.act, p.alpha));
  }
}
