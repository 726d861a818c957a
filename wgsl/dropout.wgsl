// Inverted dropout with a counter-based hash as the random source, so the backward regenerates
// the same mask from (seed, index) and nothing is stored: y = keep ? x * scale : 0.
// The mask index is the element (Dropout) or its (batch, channel) pair (SpatialDropout2D:
// group = h*w*c elements per batch item, channels = c; for Dropout group = channels = 1).
// inputs: x; outputs: y; params: n, seed, channels, group, rate (f32), scale (f32)
#include "index"
struct Params { n: u32, seed: u32, channels: u32, group: u32, rate: f32, scale: f32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

// PCG-style integer hash (Jarzynski & Olano, "Hash Functions for GPU Rendering").
fn pcg(v: u32) -> u32 {
  let s = v * 747796405u + 2891336453u;
  let w = ((s >> ((s >> 28u) + 4u)) ^ s) * 277803737u;
  return (w >> 22u) ^ w;
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = linear_index(wid, nwg, lid);
  if (i >= p.n) { return; }
  var m = i;
  if (p.group > 1u) { m = (i / p.group) * p.channels + i % p.channels; }
  let u = f32(pcg(pcg(m) ^ p.seed) >> 8u) / 16777216.0;
  y[i] = select(0.0, x[i] * p.scale, u >= p.rate);
}
