// Reduction over a set of axes, as a gather: each output element walks the input elements that
// map to it. The input shape is described as (outer, reduced, inner) blocks by the caller after
// moving reduced axes together; here: y[o, i] = reduce_r x[o, r, i].
// inputs: x; outputs: y; params: outer, reduced, inner, op (0 sum, 1 mean, 2 max, 3 min)
#include "index"
struct Params { outer: u32, reduced: u32, inner: u32, op: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = linear_index(wid, nwg, lid);
  if (i >= p.outer * p.inner) { return; }
  let o = i / p.inner;
  let k = i % p.inner;
  let base = o * p.reduced * p.inner + k;
  var acc: f32;
  if (p.op >= 2u) { acc = x[base]; } else { acc = 0.0; }
  for (var r = 0u; r < p.reduced; r++) {
    let v = x[base + r * p.inner];
    if (p.op == 2u) { acc = max(acc, v); } else if (p.op == 3u) { acc = min(acc, v); } else { acc += v; }
  }
  if (p.op == 1u) { acc = acc / f32(p.reduced); }
  y[i] = acc;
}
