// DepthwiseConv2D filter gradient, split-K as conv2d_wgrad.wgsl: rows are taps, columns the
// O = C*M output channels: dw[tap, oc] = sum over (n,oh,ow) of x[n,ih,iw,oc/M] * dy[n,oh,ow,oc].
// Each thread owns 4 taps x 4 channels; partial[s, tap, oc] is reduced over s afterwards.
// inputs: x, dy; outputs: partial; params: Params (mult = M)
#include "conv"
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> part: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

override WGX: u32 = 4u;
override WGY: u32 = 16u;

@compute @workgroup_size(WGX, WGY, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let o0 = gid.x * 4u;
  let r0 = gid.y * 4u;
  let s = gid.z;
  let R = p.KH * p.KW;
  if (o0 >= p.O || r0 >= R) { return; }
  var oc: array<u32, 4>;
  var ic: array<u32, 4>;
  for (var j = 0u; j < 4u; j++) { oc[j] = min(o0 + j, p.O - 1u); ic[j] = oc[j] / p.mult; }
  var dh: array<i32, 4>;
  var dw: array<i32, 4>;
  for (var i = 0u; i < 4u; i++) {
    let tap = min(r0 + i, R - 1u);
    dh[i] = i32((tap / p.KW) * p.DH) - i32(p.PT);
    dw[i] = i32((tap % p.KW) * p.DW) - i32(p.PL);
  }
  let K = p.N * p.OH * p.OW;
  let k0 = s * p.chunk;
  let k1 = min(k0 + p.chunk, K);
  var acc: array<vec4<f32>, 4>;
  // Walk the chunk's pixels with counters: integer division per pixel is slow on CPU adapters.
  var ow = k0 % p.OW;
  var oh = (k0 / p.OW) % p.OH;
  var img = k0 / (p.OW * p.OH) * p.H;
  for (var k = k0; k < k1; k++) {
    let ihb = i32(oh * p.SH);
    let iwb = i32(ow * p.SW);
    let d = k * p.O;
    let dv = vec4<f32>(dy[d + oc[0]], dy[d + oc[1]], dy[d + oc[2]], dy[d + oc[3]]);
    for (var i = 0u; i < 4u; i++) {
      let ih = ihb + dh[i];
      let iw = iwb + dw[i];
      let ok = ih >= 0 && ih < i32(p.H) && iw >= 0 && iw < i32(p.W);
      let b = select(0u, ((img + u32(ih)) * p.W + u32(iw)) * p.C, ok);
      let xv = vec4<f32>(x[b + ic[0]], x[b + ic[1]], x[b + ic[2]], x[b + ic[3]]);
      acc[i] += select(vec4<f32>(0.0), xv, ok) * dv;
    }
    ow++;
    if (ow == p.OW) { ow = 0u; oh++; if (oh == p.OH) { oh = 0u; img += p.H; } }
  }
  for (var i = 0u; i < 4u; i++) {
    let r = r0 + i;
    if (r >= R) { break; }
    for (var j = 0u; j < 4u; j++) {
      let o = o0 + j;
      if (o >= p.O) { break; }
      part[(s * R + r) * p.O + o] = acc[i][j];
    }
  }
}
