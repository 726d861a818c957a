// Backward of average pooling as a gather: each input element sums dy / count over the windows
// that cover it (count = the window's elements inside the input, as in the forward).
// inputs: dy; outputs: dx; params: see include/pool.wgsl
#include "index"
#include "pool"
@group(0) @binding(0) var<storage, read> dy: array<f32>;
@group(0) @binding(1) var<storage, read_write> dx: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = linear_index(wid, nwg, lid);
  if (i >= p.n * p.h * p.w * p.c) { return; }
  let ch = i % p.c;
  let xx = i32((i / p.c) % p.w) + i32(p.pl);
  let yy = i32((i / (p.c * p.w)) % p.h) + i32(p.pt);
  let b = i / (p.c * p.w * p.h);
  let oy0 = max(0, (yy - i32(p.ph) + i32(p.sh)) / i32(p.sh));
  let oy1 = min(i32(p.oh) - 1, yy / i32(p.sh));
  let ox0 = max(0, (xx - i32(p.pw) + i32(p.sw)) / i32(p.sw));
  let ox1 = min(i32(p.ow) - 1, xx / i32(p.sw));
  var acc = 0.0;
  for (var oy = oy0; oy <= oy1; oy++) {
    let ya = max(oy * i32(p.sh) - i32(p.pt), 0);
    let yb = min(oy * i32(p.sh) + i32(p.ph) - i32(p.pt), i32(p.h));
    if (yy - i32(p.pt) < ya || yy - i32(p.pt) >= yb) { continue; }
    for (var ox = ox0; ox <= ox1; ox++) {
      let xa = max(ox * i32(p.sw) - i32(p.pl), 0);
      let xb = min(ox * i32(p.sw) + i32(p.pw) - i32(p.pl), i32(p.w));
      if (xx - i32(p.pl) < xa || xx - i32(p.pl) >= xb) { continue; }
      let o = ((b * p.oh + u32(oy)) * p.ow + u32(ox)) * p.c + ch;
      acc += dy[o] / f32((yb - ya) * (xb - xa));
    }
  }
  dx[i] = acc;
}
