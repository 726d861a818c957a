// C = act(op(A) · op(B) + bias) on tensor cores (`chromium_experimental_subgroup_matrix`): f32
// operands rounded to f16 while staged into workgroup memory, products accumulated in f32 (the
// `mixed` precision). Any M, N, K: tiles are zero-padded past the edges and stores are guarded.
// Transposes are layouts of the staged tiles, never copies (overrides A_T, B_T of include/sgmat):
//   NN: A [M,K], B [K,N]          (dense forward)
//   TN: A [K,M], B [K,N]  A_T     (weight gradient xᵀ·dy)
//   NT: A [M,K], B [N,K]  B_T     (input gradient dy·Wᵀ)
//   TT: A [K,M], B [N,K]  both
// Grid: x over column tiles (BN), y (and z when y would exceed the device limit) over row tiles (BM).
// Compiled only where the adapter has the feature; see src/kernels/matmul-sgmat.ts.
// inputs: a, b, bias (ignored unless has_bias); outputs: c
// params: M, N, K, has_bias, act, alpha
enable f16;
enable subgroups;
enable chromium_experimental_subgroup_matrix;
#include "activation"
#include "sgmat"
struct Params { M: u32, N: u32, K: u32, has_bias: u32, act: u32, alpha: f32 }
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

fn store_result(m: u32, n: u32, v: f32) {
  if (m >= p.M || n >= p.N) { return; }
  var s = v;
  if (p.has_bias != 0u) { s += bias[n]; }
  c[m * p.N + n] = activate(s, p.act, p.alpha);
}

/** Stages the K slice starting at k0: zeros outside A and B. Consecutive threads read consecutive addresses. */
fn stage(k0: u32, m_tile: u32, n_tile: u32, lid: u32) {
  for (var e = lid; e < BM * BK; e += WG) {
    // A [M,K]: walk k fastest; A [K,M]: walk m fastest.
    let r = select(e / BK, e % BM, A_T);
    let kk = select(e % BK, e / BM, A_T);
    let m = m_tile + r;
    let k = k0 + kk;
    var v = 0.0;
    if (m < p.M && k < p.K) { v = a[select(m * p.K + k, k * p.M + m, A_T)]; }
    put_a(r, kk, v);
  }
  for (var e = lid; e < BK * BN; e += WG) {
    // B [K,N]: walk n fastest; B [N,K]: walk k fastest.
    let kk = select(e / BN, e % BK, B_T);
    let n = select(e % BN, e / BK, B_T);
    let k = k0 + kk;
    let nn = n_tile + n;
    var v = 0.0;
    if (k < p.K && nn < p.N) { v = b[select(k * p.N + nn, nn * p.K + k, B_T)]; }
    put_b(kk, n, v);
  }
}

@compute @workgroup_size(WG, 1, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32, @builtin(subgroup_id) sg: u32) {
  let m_tile = (wid.y + wid.z * nwg.y) * BM;
  let n_tile = wid.x * BN;
  // The whole workgroup leaves together (the z split may overshoot): barriers stay uniform.
  if (m_tile >= p.M) { return; }
  var acc: Accs;
  for (var k0 = 0u; k0 < p.K; k0 += BK) {
    stage(k0, m_tile, n_tile, lid);
    workgroupBarrier();
    if (sg < NSG) { mma_slice(sg, &acc); }
    // The next slice overwrites the tiles this one just read.
    workgroupBarrier();
  }
  drain(sg, lid, m_tile, n_tile, &acc);
}
