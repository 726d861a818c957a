// Runs the subgroup-matrix kernels (wgsl/include/sgmat.wgsl and its users) on adapters without the
// feature, for tests: the shader text is rewritten so that each subgroup matrix becomes plain WGSL
// with the extension's semantics, and everything else (staging layouts, load offsets and strides,
// row/column majorness, the K loop, the drain into tc, bounds, epilogue, conv gather, grid) runs as
// written. What it cannot check: the builtins on real hardware, subgroup uniformity, subgroup_id.
//   left / right matrix  -> a view {cm, off, stride} into ta / tb (read when multiplied; the kernels
//                           multiply a loaded slice before the next barrier, so the view stays valid)
//   result matrix        -> its share on each of the subgroup's 32 lanes (as on the hardware)
//   f16 tiles            -> f32 tiles holding f16-rounded values (pack2x16float), no shader-f16 needed
//   subgroup_id          -> local_invocation_id.x / 32: subgroups of 32 consecutive threads, so the
//                           plan must use subgroupSize 32 (layoutPlan(config, 32, SGR, SGC))
// Extension semantics (Dawn docs/dawn/features/subgroup_matrix.md): element [r, c] of a loaded matrix
// is at offset + r * stride + c (row_major) or offset + c * stride + r (col_major); left is
// SG_M x SG_K, right SG_K x SG_N, result SG_M x SG_N; multiply-accumulate is acc + left * right.
import { SHADERS } from '../../src/gpu/shaders.gen.ts';
import { sgmatShader, type SubgroupMatrixConfig } from '../../src/gpu/subgroup-matrix.ts';

// Like the hardware, a result matrix is spread over the 32 lanes of its subgroup: lane l holds
// elements l, l + 32, ... of the row-major SG_M x SG_N matrix.
const EMULATION = `
const EMU_SG: u32 = 32u;
const EMU_PER_LANE: u32 = (SG_M * SG_N + EMU_SG - 1u) / EMU_SG;
var<private> emu_lane: u32;
// Loop starts read from the params (p.N >> 31 is 0 for any real size) so that llvmpipe does not
// unroll them: unrolled, one 16x16x16 pipeline took a minute to compile.
fn emu_zero() -> u32 { return p.N >> 31u; }
fn q16(v: f32) -> f32 { return unpack2x16float(pack2x16float(vec2<f32>(v, 0.0))).x; }
fn emu_left(l: LeftMat, r: u32, c: u32) -> f32 { return ta[l.off + select(r * l.stride + c, c * l.stride + r, l.cm != 0u)]; }
fn emu_right(m: RightMat, r: u32, c: u32) -> f32 { return tb[m.off + select(r * m.stride + c, c * m.stride + r, m.cm != 0u)]; }
fn emu_mma(l: LeftMat, r: RightMat, acc: AccMat) -> AccMat {
  var out = acc;
  let z = emu_zero();
  for (var i = z; i < EMU_PER_LANE; i++) {
    let e = emu_lane + i * EMU_SG;
    if (e >= SG_M * SG_N) { break; }
    var s = 0.0;
    for (var k = z; k < SG_K; k++) { s += emu_left(l, e / SG_N, k) * emu_right(r, k, e % SG_N); }
    out[i] += s;
  }
  return out;
}
fn emu_store_tc(off: u32, acc: AccMat, stride: u32) {
  for (var i = 0u; i < EMU_PER_LANE; i++) {
    let e = emu_lane + i * EMU_SG;
    if (e >= SG_M * SG_N) { break; }
    tc[off + (e / SG_N) * stride + e % SG_N] = acc[i];
  }
}
`;

function replaceAll(text: string, from: string, to: string, what: string): string {
  if (!text.includes(from)) throw new Error(`sgmat emulation: "${from}" not found (${what}); update test/helpers/sgmat-emulation.ts`);
  return text.split(from).join(to);
}

/** Name of the emulated text of `base` for `config`, registered in SHADERS on first use. */
export function emulatedSgmatShader(base: string, config: SubgroupMatrixConfig): string {
  const real = sgmatShader(base, config);
  const name = `${real}~emulated`;
  if (SHADERS[name] !== undefined) return name;
  let t = SHADERS[real].replace(/^enable (f16|subgroups|chromium_experimental_subgroup_matrix);\n/gm, '');
  t = replaceAll(t, 'alias LeftMat = subgroup_matrix_left<f16, SG_K, SG_M>;', 'struct LeftMat { cm: u32, off: u32, stride: u32 }', 'left type');
  t = replaceAll(t, 'alias RightMat = subgroup_matrix_right<f16, SG_N, SG_K>;', 'struct RightMat { cm: u32, off: u32, stride: u32 }', 'right type');
  t = replaceAll(t, 'alias AccMat = subgroup_matrix_result<f32, SG_N, SG_M>;', 'alias AccMat = array<f32, EMU_PER_LANE>;', 'result type');
  t = replaceAll(t, 'subgroupMatrixLoad<LeftMat, col_major>(&ta, ', 'LeftMat(1u, ', 'left load');
  t = replaceAll(t, 'subgroupMatrixLoad<LeftMat, row_major>(&ta, ', 'LeftMat(0u, ', 'left load');
  t = replaceAll(t, 'subgroupMatrixLoad<RightMat, col_major>(&tb, ', 'RightMat(1u, ', 'right load');
  t = replaceAll(t, 'subgroupMatrixLoad<RightMat, row_major>(&tb, ', 'RightMat(0u, ', 'right load');
  t = replaceAll(t, 'subgroupMatrixMultiplyAccumulate(', 'emu_mma(', 'multiply');
  t = replaceAll(t, 'subgroupMatrixStore<row_major>(&tc, ', 'emu_store_tc(', 'store');
  t = replaceAll(t, 'array<f16, ', 'array<f32, ', 'f16 tiles');
  t = t.replace(/\bf16\(/g, 'q16(');
  t = replaceAll(t, '@builtin(subgroup_id) sg: u32) {', '@builtin(local_invocation_id) emu_id: vec3<u32>) {\n  let sg = emu_id.x / EMU_SG;\n  emu_lane = emu_id.x % EMU_SG;', 'subgroup_id');
  const left = t.replace(/\/\/.*$/gm, '').replace(/\/\*[\s\S]*?\*\//g, '').match(/subgroup|\bf16\b/);
  if (left) throw new Error(`sgmat emulation: "${left[0]}" left in ${real}; update test/helpers/sgmat-emulation.ts`);
  SHADERS[name] = t + EMULATION;
  return name;
}
