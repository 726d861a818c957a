// Conv2D filter gradient on tensor cores (`chromium_experimental_subgroup_matrix`):
//   dW[k, o] = sum over output pixels m of A[m, k] * dy[m, o],  i.e. dW = im2col(x)ᵀ · dy,
//   k = (kh, kw, c) over KH*KW*C (the HWIO layout's rows), m = (n, oh, ow) over N*OH*OW.
// The GEMM's inner dimension is the pixels, split over grid z in chunks of p.chunk pixels: split z
// writes its partial sums to part[z] ([splits, KH*KW*C*O]); the caller sums them (reduce).
// The gathered x is staged k-major (A_T: consecutive threads read consecutive channels of a pixel);
// per tile row (kh, kw, c) and per slice column (pixel) offsets are tabulated once, so the gather
// does no divisions. f32 operands rounded to f16 while staged; f32 accumulation.
// Grid: x over filter tiles (BN), y over (kh, kw, c) tiles (BM), z over splits.
// inputs: x, dy; outputs: part; params: Params (include/conv.wgsl: splits, chunk)
enable f16;
enable subgroups;
enable chromium_experimental_subgroup_matrix;
#include "conv"
#include "sgmat"
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> part: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

const FAR: i32 = -0x20000000;   // a row or column offset that puts every tap outside the image

// Per tile row k = (kh, kw, c): c, kh*DH and kw*DW (FAR past KH*KW*C).
var<workgroup> row_c: array<u32, BM>;
var<workgroup> row_dh: array<i32, BM>;
var<workgroup> row_dw: array<i32, BM>;
// Per slice column (output pixel): n*H, oh*SH - PT and ow*SW - PL (FAR past the split's pixels).
var<workgroup> col_img: array<u32, BK>;
var<workgroup> col_ih: array<i32, BK>;
var<workgroup> col_iw: array<i32, BK>;

var<private> split: u32;

fn store_result(k: u32, o: u32, v: f32) {
  let KD = p.KH * p.KW * p.C;
  if (k >= KD || o >= p.O) { return; }
  part[split * KD * p.O + k * p.O + o] = v;
}

@compute @workgroup_size(WG, 1, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
        @builtin(subgroup_id) sg: u32) {
  let KD = p.KH * p.KW * p.C;
  let P = p.N * p.OH * p.OW;
  let k_tile = wid.y * BM;
  let n_tile = wid.x * BN;
  split = wid.z;
  let p_begin = wid.z * p.chunk;
  let p_end = min(P, p_begin + p.chunk);
  var acc: Accs;

  for (var r = lid; r < BM; r += WG) {
    let k = k_tile + r;
    if (k < KD) {
      let tap = k / p.C;
      row_c[r] = k % p.C;
      row_dh[r] = i32((tap / p.KW) * p.DH);
      row_dw[r] = i32((tap % p.KW) * p.DW);
    } else {
      row_c[r] = 0u;
      row_dh[r] = FAR;
      row_dw[r] = FAR;
    }
  }

  for (var p0 = p_begin; p0 < p_end; p0 += BK) {
    for (var j = lid; j < BK; j += WG) {
      let m = p0 + j;
      if (m < p_end) {
        let q = m % (p.OH * p.OW);
        col_img[j] = m / (p.OH * p.OW) * p.H;
        col_ih[j] = i32((q / p.OW) * p.SH) - i32(p.PT);
        col_iw[j] = i32((q % p.OW) * p.SW) - i32(p.PL);
      } else {
        col_img[j] = 0u;
        col_ih[j] = FAR;
        col_iw[j] = FAR;
      }
    }
    workgroupBarrier();
    // A slice (k-major): rows k of the tile fastest.
    for (var e = lid; e < BM * BK; e += WG) {
      let r = e % BM;
      let kk = e / BM;
      let ih = col_ih[kk] + row_dh[r];
      let iw = col_iw[kk] + row_dw[r];
      var v = 0.0;
      if (ih >= 0 && ih < i32(p.H) && iw >= 0 && iw < i32(p.W)) {
        v = x[((col_img[kk] + u32(ih)) * p.W + u32(iw)) * p.C + row_c[r]];
      }
      put_a(r, kk, v);
    }
    // B slice: dy rows p0.. (pixels), filters fastest.
    for (var e = lid; e < BK * BN; e += WG) {
      let kk = e / BN;
      let n = e % BN;
      let m = p0 + kk;
      var v = 0.0;
      if (m < p_end && n_tile + n < p.O) { v = dy[m * p.O + n_tile + n]; }
      put_b(kk, n, v);
    }
    workgroupBarrier();
    if (sg < NSG) { mma_slice(sg, &acc); }
    // The next slice overwrites the tiles and tables this one just read.
    workgroupBarrier();
  }
  drain(sg, lid, k_tile, n_tile, &acc);
}
