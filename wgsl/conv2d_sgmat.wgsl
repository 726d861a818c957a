// Conv2D forward on tensor cores (`chromium_experimental_subgroup_matrix`) as an implicit GEMM:
//   y[m, o] = act(sum_k A[m, k] * W[k, o] + bias[o])
//   m = (n, oh, ow) over N*OH*OW output pixels, o over O filters, k = (kh, kw, c) over KH*KW*C,
//   A[m, k] = x[n, oh*SH - PT + kh*DH, ow*SW - PL + kw*DW, c] (0 in the padding),
//   W = the HWIO kernel read as a [KH*KW*C, O] matrix (its own layout, no copy).
// x (NHWC) and w are f32 and rounded to f16 while staged into workgroup memory; f32 accumulation.
// The tile's pixel coordinates are decoded once into a table; each thread then keeps one column of
// the K slice (one (kh, kw, c), so consecutive threads read consecutive channels of a pixel), which
// needs WG % BK == 0 (checked by src/kernels/conv2d-sgmat.ts). Same fused epilogue as conv2d_vec4.
// Grid: x over filter tiles (BN), y (and z past the device limit) over pixel tiles (BM).
// inputs: x, w, bias (ignored unless has_bias); outputs: y; params: Params (include/conv.wgsl)
enable f16;
enable subgroups;
enable chromium_experimental_subgroup_matrix;
#include "conv"
#include "activation"
#include "sgmat"
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

// Per tile row (output pixel): first input row of its image (n * H), and the input row / column of
// its window's top-left tap. Rows past the last pixel get a far-negative ih: every tap reads 0.
var<workgroup> px_img: array<u32, BM>;
var<workgroup> px_ih: array<i32, BM>;
var<workgroup> px_iw: array<i32, BM>;

fn store_result(m: u32, o: u32, v: f32) {
  if (m >= p.N * p.OH * p.OW || o >= p.O) { return; }
  var s = v;
  if (p.has_bias != 0u) { s += bias[o]; }
  y[m * p.O + o] = activate(s, p.act, p.alpha);
}

@compute @workgroup_size(WG, 1, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32, @builtin(subgroup_id) sg: u32) {
  let M = p.N * p.OH * p.OW;
  let KD = p.KH * p.KW * p.C;
  let m_tile = (wid.y + wid.z * nwg.y) * BM;
  let n_tile = wid.x * BN;
  // The whole workgroup leaves together (the z split may overshoot): barriers stay uniform.
  if (m_tile >= M) { return; }
  var acc: Accs;

  for (var r = lid; r < BM; r += WG) {
    let m = m_tile + r;
    if (m < M) {
      let q = m % (p.OH * p.OW);
      px_img[r] = m / (p.OH * p.OW) * p.H;
      px_ih[r] = i32((q / p.OW) * p.SH) - i32(p.PT);
      px_iw[r] = i32((q % p.OW) * p.SW) - i32(p.PL);
    } else {
      px_img[r] = 0u;
      px_ih[r] = -0x40000000;
      px_iw[r] = 0;
    }
  }
  workgroupBarrier();

  let kk = lid % BK;      // this thread's column of every A slice
  let r_step = WG / BK;   // rows of the slice it stages: lid / BK, + r_step, ...
  for (var k0 = 0u; k0 < KD; k0 += BK) {
    // A slice: the im2col gather, zero past KD and outside the image.
    let k = k0 + kk;
    let c = k % p.C;
    let tap = k / p.C;
    let dh = i32((tap / p.KW) * p.DH);
    let dw = i32((tap % p.KW) * p.DW);
    for (var r = lid / BK; r < BM; r += r_step) {
      let ih = px_ih[r] + dh;
      let iw = px_iw[r] + dw;
      var v = 0.0;
      if (k < KD && ih >= 0 && ih < i32(p.H) && iw >= 0 && iw < i32(p.W)) {
        v = x[((px_img[r] + u32(ih)) * p.W + u32(iw)) * p.C + c];
      }
      put_a(r, kk, v);
    }
    // W slice: rows k0.. of the [KD, O] kernel matrix, filters fastest.
    for (var e = lid; e < BK * BN; e += WG) {
      let kb = e / BN;
      let o = e % BN;
      var v = 0.0;
      if (k0 + kb < KD && n_tile + o < p.O) { v = w[(k0 + kb) * p.O + n_tile + o]; }
      put_b(kb, o, v);
    }
    workgroupBarrier();
    if (sg < NSG) { mma_slice(sg, &acc); }
    // The next slice overwrites the tiles this one just read.
    workgroupBarrier();
  }
  drain(sg, lid, m_tile, n_tile, &acc);
}
