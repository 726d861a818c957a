// C = act(op(A) * op(B) + bias): the dense layer and its gradients.
// A is read as an M x K matrix and B as K x N through element strides, so transposed operands
// cost nothing. Each thread owns a 4x4 block of C in registers; no workgroup memory and no
// barriers (barriers are very costly on CPU adapters such as llvmpipe).
// Precision: a prelude (src/gpu/precision.ts) supplies q4, which rounds the multiply operands to
// f16 under mixed and f16 (identity under f32). b stays float32 under f16 too: strided element
// reads have no half copy here, so this kernel runs mixed.
// inputs: a, b, bias (ignored unless has_bias); outputs: c
// params: M, N, K, a_rs, a_cs, b_rs, b_cs, has_bias, act, alpha
#include "activation"
struct Params {
  M: u32, N: u32, K: u32, a_rs: u32,
  a_cs: u32, b_rs: u32, b_cs: u32, has_bias: u32,
  act: u32, alpha: f32,
}
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

override WG: u32 = 8u;

@compute @workgroup_size(WG, WG, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let n0 = gid.x * 4u;
  let m0 = gid.y * 4u;
  if (n0 >= p.N || m0 >= p.M) { return; }
  var acc: array<vec4<f32>, 4>;
  // Clamp out-of-range rows/columns to the last valid one; their results are not stored.
  var arow: array<u32, 4>;
  var bcol: array<u32, 4>;
  for (var i = 0u; i < 4u; i++) {
    arow[i] = min(m0 + i, p.M - 1u) * p.a_rs;
    bcol[i] = min(n0 + i, p.N - 1u) * p.b_cs;
  }
  for (var k = 0u; k < p.K; k++) {
    let ak = k * p.a_cs;
    let bk = k * p.b_rs;
    let bv = q4(vec4<f32>(b[bk + bcol[0]], b[bk + bcol[1]], b[bk + bcol[2]], b[bk + bcol[3]]));
    let av = q4(vec4<f32>(a[arow[0] + ak], a[arow[1] + ak], a[arow[2] + ak], a[arow[3] + ak]));
    acc[0] += av.x * bv;
    acc[1] += av.y * bv;
    acc[2] += av.z * bv;
    acc[3] += av.w * bv;
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
