// Conv2D input gradient on tensor cores (`chromium_experimental_subgroup_matrix`), also
// Conv2DTranspose's forward, as an implicit GEMM over dx pixels x channels x (kh, kw, o):
//   dx[m, c] = act(sum_k A[m, k] * B[k, c] + bias[c])
//   m = (n, ih, iw) over N*H*W, k = (kh, kw, o) over KH*KW*O,
//   A[m, k] = dy[n, oh, ow, o] where ih + PT - kh*DH = oh*SH and iw + PL - kw*DW = ow*SW (in range), else 0,
//   B[k, c] = w[kh, kw, c, o] (each tap's [C, O] block read transposed: staged n-major, B_T).
// f32 operands rounded to f16 while staged; f32 accumulation. With strides > 1 most taps of a pixel
// are zero rows of A (a stride-2 layer does ~4x the useful multiplies); splitting by output phase
// would avoid that. Each thread keeps one column of the K slice (WG % BK == 0, as conv2d_sgmat).
// Grid: x over channel tiles (BN), y (and z past the device limit) over pixel tiles (BM).
// inputs: dy, w, bias (ignored unless has_bias); outputs: dx; params: Params (include/conv.wgsl)
enable f16;
enable subgroups;
enable chromium_experimental_subgroup_matrix;
#include "conv"
#include "activation"
#include "sgmat"
@group(0) @binding(0) var<storage, read> dy: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

// Per tile row (dx pixel): first dy row of its image (n * OH) and its padded position ih + PT,
// iw + PL. Rows past the last pixel get a far-negative position: every tap reads 0.
var<workgroup> px_img: array<u32, BM>;
var<workgroup> px_th: array<i32, BM>;
var<workgroup> px_tw: array<i32, BM>;

fn store_result(m: u32, c: u32, v: f32) {
  if (m >= p.N * p.H * p.W || c >= p.C) { return; }
  var s = v;
  if (p.has_bias != 0u) { s += bias[c]; }
  dx[m * p.C + c] = activate(s, p.act, p.alpha);
}

@compute @workgroup_size(WG, 1, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32, @builtin(subgroup_id) sg: u32) {
  let M = p.N * p.H * p.W;
  let KD = p.KH * p.KW * p.O;
  let m_tile = (wid.y + wid.z * nwg.y) * BM;
  let n_tile = wid.x * BN;
  // The whole workgroup leaves together (the z split may overshoot): barriers stay uniform.
  if (m_tile >= M) { return; }
  var acc: Accs;

  for (var r = lid; r < BM; r += WG) {
    let m = m_tile + r;
    if (m < M) {
      let q = m % (p.H * p.W);
      px_img[r] = m / (p.H * p.W) * p.OH;
      px_th[r] = i32(q / p.W + p.PT);
      px_tw[r] = i32(q % p.W + p.PL);
    } else {
      px_img[r] = 0u;
      px_th[r] = -0x20000000;
      px_tw[r] = -0x20000000;
    }
  }
  workgroupBarrier();

  let kk = lid % BK;      // this thread's column of every A slice
  let r_step = WG / BK;   // rows of the slice it stages: lid / BK, + r_step, ...
  for (var k0 = 0u; k0 < KD; k0 += BK) {
    // A slice: dy gathered through the strided taps, zero past KD and where no output pixel lands.
    let k = k0 + kk;
    let o = k % p.O;
    let tap = k / p.O;
    let dh = i32((tap / p.KW) * p.DH);
    let dw = i32((tap % p.KW) * p.DW);
    for (var r = lid / BK; r < BM; r += r_step) {
      let th = px_th[r] - dh;
      let tw = px_tw[r] - dw;
      var v = 0.0;
      if (k < KD && th >= 0 && tw >= 0) {
        let oh = u32(th) / p.SH;
        let ow = u32(tw) / p.SW;
        if (oh * p.SH == u32(th) && ow * p.SW == u32(tw) && oh < p.OH && ow < p.OW) {
          v = dy[((px_img[r] + oh) * p.OW + ow) * p.O + o];
        }
      }
      put_a(r, kk, v);
    }
    // B slice, staged n-major: w[tap, c, o] for k = (tap, o); consecutive threads read consecutive o.
    for (var e = lid; e < BK * BN; e += WG) {
      let kb = e % BK;
      let n = e / BK;
      let k2 = k0 + kb;
      let c = n_tile + n;
      var v = 0.0;
      if (k2 < KD && c < p.C) { v = w[((k2 / p.O) * p.C + c) * p.O + k2 % p.O]; }
      put_b(kb, n, v);
    }
    workgroupBarrier();
    if (sg < NSG) { mma_slice(sg, &acc); }
    // The next slice overwrites the tiles this one just read.
    workgroupBarrier();
  }
  drain(sg, lid, m_tile, n_tile, &acc);
}
