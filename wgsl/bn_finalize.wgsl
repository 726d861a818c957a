// Batch-norm statistics, stage 2: combines the chunks of bn_partial per channel.
// mode 0: out = [mean | biased variance] (Chan et al.'s parallel combination of chunk moments);
// mode 1: out = [sum dy | sum dy * (x - mean)].
// inputs: part [chunks, c, 2]; outputs: out [2c]; params: c, chunks, rows, chunk, mode
#include "index"
struct Params { c: u32, chunks: u32, rows: u32, chunk: u32, mode: u32 }
@group(0) @binding(0) var<storage, read> part: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let ch = linear_index(wid, nwg, lid);
  if (ch >= p.c) { return; }
  var a = 0.0;
  var b = 0.0;
  if (p.mode == 0u) {
    for (var k = 0u; k < p.chunks; k++) {
      let n = f32(min(p.chunk, p.rows - k * p.chunk));
      a += n * part[(k * p.c + ch) * 2u];
    }
    a = a / f32(p.rows);
    for (var k = 0u; k < p.chunks; k++) {
      let n = f32(min(p.chunk, p.rows - k * p.chunk));
      let d = part[(k * p.c + ch) * 2u] - a;
      b += part[(k * p.c + ch) * 2u + 1u] + n * d * d;
    }
    b = b / f32(p.rows);
  } else {
    for (var k = 0u; k < p.chunks; k++) {
      a += part[(k * p.c + ch) * 2u];
      b += part[(k * p.c + ch) * 2u + 1u];
    }
  }
  out[ch] = a;
  out[p.c + ch] = b;
}
