// Conv2D filter gradient, split-K: dw[kh,kw,c,o] = sum over (n,oh,ow) of x[n,ih,iw,c] * dy[n,oh,ow,o].
// Rows r = (kh*KW + kw)*C + c, columns o; the sum over K = N*OH*OW pixels is cut into `splits`
// chunks of `chunk` pixels, one per grid z, each writing partial[s, r, o]; a reduce pass adds the
// chunks (src/kernels/conv2d.ts). Each thread owns 4 rows x 4 columns; no workgroup memory.
// Precision: a prelude (src/gpu/precision.ts) supplies q1 / q4, which round x and dy to f16 under
// mixed and f16 (identity under f32); neither is a weight, so both stay float32 in memory.
// inputs: x, dy; outputs: partial; params: Params (include/conv.wgsl)
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
  let R = p.KH * p.KW * p.C;
  if (o0 >= p.O || r0 >= R) { return; }
  var oc: array<u32, 4>;
  for (var j = 0u; j < 4u; j++) { oc[j] = min(o0 + j, p.O - 1u); }
  var ch: array<u32, 4>;
  var dh: array<i32, 4>;
  var dw: array<i32, 4>;
  for (var i = 0u; i < 4u; i++) {
    let r = min(r0 + i, R - 1u);
    let tap = r / p.C;
    ch[i] = r % p.C;
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
    let dv = q4(vec4<f32>(dy[d + oc[0]], dy[d + oc[1]], dy[d + oc[2]], dy[d + oc[3]]));
    for (var i = 0u; i < 4u; i++) {
      let ih = ihb + dh[i];
      let iw = iwb + dw[i];
      let ok = ih >= 0 && ih < i32(p.H) && iw >= 0 && iw < i32(p.W);
      let xi = select(0u, ((img + u32(ih)) * p.W + u32(iw)) * p.C + ch[i], ok);
      acc[i] += (q1(x[xi]) * select(0.0, 1.0, ok)) * dv;
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
