// C = act(A[M,K] * B[K,N] + bias) for K % 4 == 0 and N % 4 == 0, each thread a TM x (4*TN)
// block of C in registers, vec4 loads, no workgroup memory and no barriers. Larger blocks load
// fewer values per multiply-add, which is what CPU adapters are bound by: llvmpipe loads a
// per-invocation address one SIMD lane at a time, so there a 32 x 32 block (MATMUL_TILES in
// src/kernels/matmul.ts) ran 2x faster than 8 x 8, which suits GPUs' register files.
// TM and TN size the register arrays, so they are consts, set per tile by specializeShader().
// Precision: a prelude (src/gpu/precision.ts) supplies q4, which rounds a to f16 under mixed and
// f16, and W4 / w4, b's element type and its widening (halves under f16: b is the dense kernel).
// inputs: a, b, bias (ignored unless has_bias); outputs: c
// params: M, N, K, has_bias, act, alpha
#include "activation"
struct Params { M: u32, N: u32, K: u32, has_bias: u32, act: u32, alpha: f32 }
@group(0) @binding(0) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> b: array<W4>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

override WG: u32 = 8u;
const TM: u32 = 8u;   // rows of C per thread
const TN: u32 = 2u;   // vec4 columns of C per thread

@compute @workgroup_size(WG, WG, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let N4 = p.N / 4u;
  let K4 = p.K / 4u;
  let nc0 = gid.x * TN;
  let m0 = gid.y * TM;
  if (nc0 >= N4 || m0 >= p.M) { return; }
  var acc: array<array<vec4<f32>, TN>, TM>;
  var rows: array<u32, TM>;
  for (var i = 0u; i < TM; i++) { rows[i] = min(m0 + i, p.M - 1u) * K4; }
  var cols: array<u32, TN>;
  for (var j = 0u; j < TN; j++) { cols[j] = min(nc0 + j, N4 - 1u); }
  for (var k4 = 0u; k4 < K4; k4++) {
    var bv: array<array<vec4<f32>, TN>, 4>;
    for (var kk = 0u; kk < 4u; kk++) {
      let kb = (k4 * 4u + kk) * N4;
      for (var j = 0u; j < TN; j++) { bv[kk][j] = w4(b[kb + cols[j]]); }
    }
    for (var i = 0u; i < TM; i++) {
      let av = q4(a[rows[i] + k4]);
      for (var j = 0u; j < TN; j++) {
        acc[i][j] += av.x * bv[0][j] + av.y * bv[1][j] + av.z * bv[2][j] + av.w * bv[3][j];
      }
    }
  }
  for (var i = 0u; i < TM; i++) {
    let m = m0 + i;
    if (m >= p.M) { break; }
    for (var j = 0u; j < TN; j++) {
      let nc = nc0 + j;
      if (nc >= N4) { break; }
      for (var e = 0u; e < 4u; e++) {
        let n = nc * 4u + e;
        var v = acc[i][j][e];
        if (p.has_bias != 0u) { v += bias[n]; }
        c[m * p.N + n] = activate(v, p.act, p.alpha);
      }
    }
  }
}
