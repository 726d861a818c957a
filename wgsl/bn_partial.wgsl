// Batch-norm statistics, stage 1: per (chunk of rows, channel) partial results over x viewed as
// [outer, c, inner] (rows = outer * inner per channel; axis -1 has inner = 1).
// mode 0: (chunk mean, chunk sum of squared deviations), two passes over the chunk, combined with
//         Chan's formula in bn_finalize (stable where sum/sum-of-squares is not);
// mode 1: (sum dy, sum dy * (x - mean)) for the backward, mean = stats[0..c).
// inputs: x, dy, stats ([mean | var], 2c); outputs: part [chunks, c, 2]
// params: outer, c, inner, chunk, chunks, mode
#include "index"
struct Params { outer: u32, c: u32, inner: u32, chunk: u32, chunks: u32, mode: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> stats: array<f32>;
@group(0) @binding(3) var<storage, read_write> part: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

fn at(r: u32, ch: u32) -> u32 {
  return ((r / p.inner) * p.c + ch) * p.inner + r % p.inner;
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = linear_index(wid, nwg, lid);
  if (i >= p.chunks * p.c) { return; }
  let ch = i % p.c;
  let k = i / p.c;
  let r0 = k * p.chunk;
  let r1 = min(r0 + p.chunk, p.outer * p.inner);
  var s0 = 0.0;
  var s1 = 0.0;
  if (p.mode == 0u) {
    for (var r = r0; r < r1; r++) { s0 += x[at(r, ch)]; }
    s0 = s0 / f32(r1 - r0);
    for (var r = r0; r < r1; r++) { let d = x[at(r, ch)] - s0; s1 += d * d; }
  } else {
    let m = stats[ch];
    for (var r = r0; r < r1; r++) {
      let j = at(r, ch);
      s0 += dy[j];
      s1 += dy[j] * (x[j] - m);
    }
  }
  part[i * 2u] = s0;
  part[i * 2u + 1u] = s1;
}
