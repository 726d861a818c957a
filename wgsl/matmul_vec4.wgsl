// C = act(op(A) * op(B) + bias) with vec4 loads: the fast path of matmul.wgsl for sizes that are
// multiples of 4. Each thread owns a 4x4 block of C in registers; no workgroup memory, no barriers.
// MODE 0 (NN): A [M,K], B [K,N]   needs K % 4 == 0, N % 4 == 0
// MODE 1 (TN): A [K,M], B [K,N]   needs M % 4 == 0, N % 4 == 0   (weight gradient xᵀ·dy)
// MODE 2 (NT): A [M,K], B [N,K]   needs K % 4 == 0               (input gradient dy·Wᵀ)
// Precision: a prelude (src/gpu/precision.ts) supplies q4, which rounds a to f16 under mixed and
// f16, and W4 / w4, b's element type and its widening: halves under f16 in modes 0 and 2, where b
// is the dense kernel; mode 1's b is dy, which the wrapper binds with the mixed prelude.
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
override MODE: u32 = 0u;

@compute @workgroup_size(WG, WG, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let n0 = gid.x * 4u;
  let m0 = gid.y * 4u;
  if (n0 >= p.N || m0 >= p.M) { return; }
  var acc: array<vec4<f32>, 4>;
  let K4 = p.K / 4u;
  let N4 = p.N / 4u;
  let M4 = p.M / 4u;
  if (MODE == 0u) {
    // Rows past M are clamped to the last row; their results are not stored.
    let r0 = min(m0, p.M - 1u) * K4;
    let r1 = min(m0 + 1u, p.M - 1u) * K4;
    let r2 = min(m0 + 2u, p.M - 1u) * K4;
    let r3 = min(m0 + 3u, p.M - 1u) * K4;
    let nc = gid.x;
    for (var k4 = 0u; k4 < K4; k4++) {
      let kb = k4 * 4u * N4 + nc;
      let b0 = w4(b[kb]);
      let b1 = w4(b[kb + N4]);
      let b2 = w4(b[kb + 2u * N4]);
      let b3 = w4(b[kb + 3u * N4]);
      let a0 = q4(a[r0 + k4]);
      let a1 = q4(a[r1 + k4]);
      let a2 = q4(a[r2 + k4]);
      let a3 = q4(a[r3 + k4]);
      acc[0] += a0.x * b0 + a0.y * b1 + a0.z * b2 + a0.w * b3;
      acc[1] += a1.x * b0 + a1.y * b1 + a1.z * b2 + a1.w * b3;
      acc[2] += a2.x * b0 + a2.y * b1 + a2.z * b2 + a2.w * b3;
      acc[3] += a3.x * b0 + a3.y * b1 + a3.z * b2 + a3.w * b3;
    }
  } else if (MODE == 1u) {
    let mc = gid.y;
    let nc = gid.x;
    for (var k = 0u; k < p.K; k++) {
      let av = q4(a[k * M4 + mc]);
      let bv = w4(b[k * N4 + nc]);
      acc[0] += av.x * bv;
      acc[1] += av.y * bv;
      acc[2] += av.z * bv;
      acc[3] += av.w * bv;
    }
  } else {
    var ra: array<u32, 4>;
    var rb: array<u32, 4>;
    for (var i = 0u; i < 4u; i++) {
      ra[i] = min(m0 + i, p.M - 1u) * K4;
      rb[i] = min(n0 + i, p.N - 1u) * K4;
    }
    for (var k4 = 0u; k4 < K4; k4++) {
      let b0 = w4(b[rb[0] + k4]);
      let b1 = w4(b[rb[1] + k4]);
      let b2 = w4(b[rb[2] + k4]);
      let b3 = w4(b[rb[3] + k4]);
      for (var i = 0u; i < 4u; i++) {
        let av = q4(a[ra[i] + k4]);
        acc[i] += vec4<f32>(dot(av, b0), dot(av, b1), dot(av, b2), dot(av, b3));
      }
    }
  }
  for (var i = 0u; i < 4u; i++) {
    let m = m0 + i;
    if (m >= p.M) { break; }
    for (var j = 0u; j < 4u; j++) {
      let n = n0 + j;
      if (n >= p.N) { break; }
      var v = acc[i][j];
      if (p.has_bias != 0u) { v += bias[n]; }
      c[m * p.N + n] = activate(v, p.act, p.alpha);
    }
  }
}
