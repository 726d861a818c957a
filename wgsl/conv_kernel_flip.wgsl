// The kernel a stride-1 input gradient runs as a forward conv with (src/kernels/conv2d.ts,
// dgradAsForward): w' [KH,KW,O,C] with w'[kh,kw,o,c] = w[KH-1-kh, KW-1-kw, c, o] for an HWIO
// w [KH,KW,C,O]: the taps flipped, the channels transposed.
// inputs: w; outputs: flipped; params: KH, KW, C, O
#include "index"
struct Params { KH: u32, KW: u32, C: u32, O: u32 }
@group(0) @binding(0) var<storage, read> w: array<f32>;
@group(0) @binding(1) var<storage, read_write> flipped: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = linear_index(wid, nwg, lid);
  if (i >= p.KH * p.KW * p.C * p.O) { return; }
  let c = i % p.C;
  let o = (i / p.C) % p.O;
  let tap = i / (p.C * p.O);
  let src_tap = (p.KH - 1u - tap / p.KW) * p.KW + (p.KW - 1u - tap % p.KW);
  flipped[i] = w[(src_tap * p.C + c) * p.O + o];
}
