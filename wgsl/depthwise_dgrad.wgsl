// DepthwiseConv2D input gradient: dx[n,ih,iw,c] = sum over taps and m of dy[n,oh,ow,c*M+m] * w[tap, c*M+m].
// Gather form as conv2d_dgrad.wgsl: each thread owns PX input pixels (one row, SW apart) x 4
// input channels.
// inputs: dy, w; outputs: dx; params: Params (mult = M, O = C*M)
#include "conv"
@group(0) @binding(0) var<storage, read> dy: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

override WGX: u32 = 4u;
override WGY: u32 = 16u;
override PX: u32 = 4u;

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
  var oc: array<u32, 4>;
  for (var j = 0u; j < 4u; j++) { oc[j] = min(c0 + j, p.C - 1u) * p.mult; }
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
        let oh = div_exact(a, p.SH);
        let ow = div_exact(b, p.SW);
        let ok = a >= 0 && b >= 0 && oh * i32(p.SH) == a && ow * i32(p.SW) == b && oh < i32(p.OH) && ow < i32(p.OW);
        off[i] = select(0u, ((img[i] + u32(oh)) * p.OW + u32(ow)) * p.O, ok);
        msk[i] = select(0.0, 1.0, ok);
        hit = hit || ok;
      }
      if (!hit) { continue; }
      // The multiplier loop stays outside the pixel loop so that the pixel loop (bounded by the
      // override PX) unrolls and acc is indexed statically: dynamic indexing of private arrays
      // is very slow on CPU adapters.
      let wr = (kh * p.KW + kw) * p.O;
      for (var m = 0u; m < p.mult; m++) {
        let wv = vec4<f32>(w[wr + oc[0] + m], w[wr + oc[1] + m], w[wr + oc[2] + m], w[wr + oc[3] + m]);
        for (var i = 0u; i < PX; i++) {
          let d = off[i] + m;
          let dv = vec4<f32>(dy[d + oc[0]], dy[d + oc[1]], dy[d + oc[2]], dy[d + oc[3]]);
          acc[i] += (dv * msk[i]) * wv;
        }
      }
    }
  }
  for (var i = 0u; i < PX; i++) {
    if (!inb[i]) { continue; }
    let m = pix[i];
    for (var j = 0u; j < 4u; j++) {
      let c = c0 + j;
      if (c >= p.C) { break; }
      dx[m * p.C + c] = acc[i][j];
    }
  }
}
