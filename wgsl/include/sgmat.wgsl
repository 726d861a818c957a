// Tensor-core GEMM core shared by the subgroup-matrix kernels (matmul_sgmat, conv2d_sgmat*), through
// Dawn's `chromium_experimental_subgroup_matrix`. The including file starts with
//   enable f16; enable subgroups; enable chromium_experimental_subgroup_matrix;
// declares its bindings, stages f32 operands as f16 into `ta` / `tb`, calls `mma_slice(sg, &acc)` between
// workgroup barriers, then `drain(..., &acc)`, and defines `store_result(m, n, v)` (bounds, bias, activation).
//
// One workgroup computes a BM x BN tile of C = A·B with f32 accumulators:
//   NSG = SGR x SGC subgroups, each owning RM x RN = 2 x 2 result matrices of SG_M x SG_N;
//   the K dimension is walked in slices of BK = KSTEPS * SG_K, zero-padded past K.
// Matrix types (Dawn): subgroup_matrix_left<T, K, M> is M rows x K columns, subgroup_matrix_right<T, N, K>
// is K rows x N columns, subgroup_matrix_result<T, N, M> is M rows x N columns (columns first).
//
// Correctness rules this code keeps (none can be tested without a GPU that has the feature):
// - Every subgroup-matrix call runs in subgroup-uniform control flow with uniform arguments: the
//   only branches around them test overrides, the uniform loop counters and `subgroup_id`.
// - The workgroup's x size WG is NSG times the adapter's subgroupMaxSize (Dawn requires a multiple
//   of it). If the hardware runs smaller subgroups there are more of them than NSG: subgroups with
//   `subgroup_id >= NSG` skip the matrix work but still stage tiles and meet every barrier, so
//   nothing assumes a particular subgroup size or a mapping from local_invocation_index to lanes.
// - Loads and stores touch only workgroup memory, inside the arrays below (no out-of-bounds tiles):
//   bounds are applied while staging (zeros) and in `store_result`.
// - Offsets and strides are multiples of 8 f16 / 4 f32 elements (16 bytes), as cooperative-matrix
//   loads on Vulkan want.

// The matrix configuration. WGSL requires const-expressions (not overrides) as the sizes of
// subgroup matrix types, so src/gpu/subgroup-matrix.ts rewrites these three lines for the
// adapter's config when it registers the shader text (defaults: NVIDIA's f16 -> f32 16x16x16).
const SG_M: u32 = 16u;
const SG_N: u32 = 16u;
const SG_K: u32 = 16u;

alias LeftMat = subgroup_matrix_left<f16, SG_K, SG_M>;
alias RightMat = subgroup_matrix_right<f16, SG_N, SG_K>;
alias AccMat = subgroup_matrix_result<f32, SG_N, SG_M>;

override WG: u32 = 128u;     // threads per workgroup: NSG * subgroupMaxSize
override SGR: u32 = 2u;      // subgroups along the tile's rows
override SGC: u32 = 2u;      // subgroups along the tile's columns
override KSTEPS: u32 = 2u;   // SG_K steps per staged K slice
override A_T: bool = false;  // ta holds A k-major (ta[k][m]) and is loaded column-major
override B_T: bool = false;  // tb holds B n-major (tb[n][k]) and is loaded column-major

const RM: u32 = 2u;          // result matrices per subgroup along rows
const RN: u32 = 2u;          // ... along columns
const PAD: u32 = 8u;         // f16 elements of padding per staged row (16 bytes), against bank conflicts

override NSG: u32 = SGR * SGC;
override BM: u32 = SGR * RM * SG_M;
override BN: u32 = SGC * RN * SG_N;
override BK: u32 = KSTEPS * SG_K;
// Row strides of the staged tiles in either layout.
override SA: u32 = BK + PAD;    // ta[m][k]
override SAT: u32 = BM + PAD;   // ta[k][m]
override SB: u32 = BN + PAD;    // tb[k][n]
override SBT: u32 = BK + PAD;   // tb[n][k]
override TA_LEN: u32 = max(BM * SA, BK * SAT);
override TB_LEN: u32 = max(BK * SB, BN * SBT);
override TC_LEN: u32 = NSG * SG_M * SG_N;

var<workgroup> ta: array<f16, TA_LEN>;
var<workgroup> tb: array<f16, TB_LEN>;
// One result matrix per subgroup at a time, row-major, on its way to `store_result`.
var<workgroup> tc: array<f32, TC_LEN>;

// A subgroup's accumulators, RM x RN = 2 x 2 result matrices in the order 00, 01, 10, 11. Subgroup
// matrices may live only in function variables (not private or workgroup), so `main` declares
// `var acc: Accs;` (zero) and passes a pointer to it.
alias Accs = array<AccMat, 4>;

/** Writes the A value at tile row r, slice column kk. */
fn put_a(r: u32, kk: u32, v: f32) {
  if (A_T) { ta[kk * SAT + r] = f16(v); } else { ta[r * SA + kk] = f16(v); }
}

/** Writes the B value at slice row kk, tile column n. */
fn put_b(kk: u32, n: u32, v: f32) {
  if (B_T) { tb[n * SBT + kk] = f16(v); } else { tb[kk * SB + n] = f16(v); }
}

fn load_left(row: u32, ks: u32) -> LeftMat {
  if (A_T) {
    return subgroupMatrixLoad<LeftMat, col_major>(&ta, ks * SG_K * SAT + row, SAT);
  }
  return subgroupMatrixLoad<LeftMat, row_major>(&ta, row * SA + ks * SG_K, SA);
}

fn load_right(col: u32, ks: u32) -> RightMat {
  if (B_T) {
    return subgroupMatrixLoad<RightMat, col_major>(&tb, col * SBT + ks * SG_K, SBT);
  }
  return subgroupMatrixLoad<RightMat, row_major>(&tb, ks * SG_K * SB + col, SB);
}

/** Multiplies the staged slice into subgroup sg's accumulators; call only for sg < NSG. */
fn mma_slice(sg: u32, acc: ptr<function, Accs>) {
  let row = (sg / SGC) * RM * SG_M;
  let col = (sg % SGC) * RN * SG_N;
  for (var ks = 0u; ks < KSTEPS; ks++) {
    let l0 = load_left(row, ks);
    let l1 = load_left(row + SG_M, ks);
    let r0 = load_right(col, ks);
    let r1 = load_right(col + SG_N, ks);
    (*acc)[0] = subgroupMatrixMultiplyAccumulate(l0, r0, (*acc)[0]);
    (*acc)[1] = subgroupMatrixMultiplyAccumulate(l0, r1, (*acc)[1]);
    (*acc)[2] = subgroupMatrixMultiplyAccumulate(l1, r0, (*acc)[2]);
    (*acc)[3] = subgroupMatrixMultiplyAccumulate(l1, r1, (*acc)[3]);
  }
}

/**
 * Hands every accumulator of the workgroup to store_result(m, n, v), one of each subgroup's four
 * at a time through `tc`. Call from workgroup-uniform control flow, after the last barrier of the
 * K loop. (m_tile, n_tile): the tile's first row and column.
 */
fn drain(sg: u32, lid: u32, m_tile: u32, n_tile: u32, acc: ptr<function, Accs>) {
  for (var t = 0u; t < RM * RN; t++) {
    if (sg < NSG) {
      let off = sg * SG_M * SG_N;
      switch t {
        case 0u: { subgroupMatrixStore<row_major>(&tc, off, (*acc)[0], SG_N); }
        case 1u: { subgroupMatrixStore<row_major>(&tc, off, (*acc)[1], SG_N); }
        case 2u: { subgroupMatrixStore<row_major>(&tc, off, (*acc)[2], SG_N); }
        default: { subgroupMatrixStore<row_major>(&tc, off, (*acc)[3], SG_N); }
      }
    }
    workgroupBarrier();
    for (var e = lid; e < TC_LEN; e += WG) {
      let s = e / (SG_M * SG_N);
      let rc = e % (SG_M * SG_N);
      let m = m_tile + (s / SGC) * RM * SG_M + (t / RN) * SG_M + rc / SG_N;
      let n = n_tile + (s % SGC) * RN * SG_N + (t % RN) * SG_N + rc % SG_N;
      store_result(m, n, tc[e]);
    }
    workgroupBarrier();
  }
}
