// Copies a slab along one axis between tensors viewed as [outer, axis, inner]:
// dst[o, dst_off + a, i] = src[o, src_off + a, i] for a < count. The rest of dst is untouched,
// so Concatenate writes each input into its slice of one output, and its backward slices dy.
// inputs: src; outputs: dst (read_write, updated in place)
// params: outer, inner, count, src_axis, dst_axis, src_off, dst_off
#include "index"
struct Params { outer: u32, inner: u32, count: u32, src_axis: u32, dst_axis: u32, src_off: u32, dst_off: u32 }
@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = linear_index(wid, nwg, lid);
  if (i >= p.outer * p.count * p.inner) { return; }
  let k = i % p.inner;
  let a = (i / p.inner) % p.count;
  let o = i / (p.inner * p.count);
  dst[(o * p.dst_axis + p.dst_off + a) * p.inner + k] = src[(o * p.src_axis + p.src_off + a) * p.inner + k];
}
