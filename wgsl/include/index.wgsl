// Linear invocation index over a 1-D grid that may be split across x and y (see grid1d in
// src/gpu/dispatch.ts), for kernels with 256 threads per workgroup.
fn linear_index(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> u32 {
  return (wid.y * nwg.x + wid.x) * 256u + lid;
}
