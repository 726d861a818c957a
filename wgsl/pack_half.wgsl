// The f16 copy of a float32 tensor, two halves per u32 (the bytes of array<f16>): the weights the
// matmul and conv kernels read under precision f16 (src/kernels/half-weights.ts). Rounds to the
// nearest half; an odd last half is zero.
// inputs: src; outputs: dst; params: n (floats)
#include "index"
struct Params { n: u32 }
@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read_write> dst: array<u32>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = linear_index(wid, nwg, lid);
  if (2u * i >= p.n) { return; }
  let hi = select(0.0, src[min(2u * i + 1u, p.n - 1u)], 2u * i + 1u < p.n);
  dst[i] = pack2x16float(vec2<f32>(src[2u * i], hi));
}
