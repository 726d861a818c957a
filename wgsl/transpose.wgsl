// General axis permutation up to rank 6: y[i] = x[sum_d idx_d(i) * in_stride[perm[d]]], with the
// output shape and the input strides already permuted on the host (src/kernels/transpose.ts).
// inputs: x; outputs: y; params: n, rank, out shape (6), permuted input strides (6)
#include "index"
struct Params {
  n: u32, rank: u32,
  s0: u32, s1: u32, s2: u32, s3: u32, s4: u32, s5: u32,
  t0: u32, t1: u32, t2: u32, t3: u32, t4: u32, t5: u32,
}
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = linear_index(wid, nwg, lid);
  if (i >= p.n) { return; }
  let shape = array<u32, 6>(p.s0, p.s1, p.s2, p.s3, p.s4, p.s5);
  let stride = array<u32, 6>(p.t0, p.t1, p.t2, p.t3, p.t4, p.t5);
  var rest = i;
  var src = 0u;
  // Padded leading axes have size 1, so walking all six from the innermost is exact.
  for (var d = 5; d >= 0; d--) {
    src += (rest % shape[d]) * stride[d];
    rest = rest / shape[d];
  }
  y[i] = x[src];
}
