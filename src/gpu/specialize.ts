// Shader text specialized by its `const` lines. WGSL sizes a function's arrays only with const
// expressions, never with pipeline overrides, so a kernel whose register arrays follow its tile
// (matmul_tiled.wgsl, the subgroup-matrix kernels' fragment sizes) needs one text per tile: a
// text sized for the largest tile runs the small ones slower on llvmpipe, which keeps every
// declared array slot in memory.
import { SHADERS } from './shaders.gen.ts';

/**
 * Registers `base`'s text with each line `const NAME: u32 = <n>u;` (a comment may follow) of `consts` set to the given
 * value, under `base@<suffix>` (default NAME=value,...), once per process, and returns that
 * name for a KernelSpec. Throws when `base` lacks one of the const lines.
 */
export function specializeShader(base: string, consts: Record<string, number>, suffix?: string): string {
  const name = `${base}@${suffix ?? Object.entries(consts).map(([k, v]) => `${k}=${v}`).join(',')}`;
  if (SHADERS[name] !== undefined) return name;
  const text = SHADERS[base];
  if (text === undefined) throw new Error(`no shader named ${base}.wgsl in wgsl/ (run npm run gen)`);
  let out = text;
  for (const [k, v] of Object.entries(consts)) {
    if (!Number.isInteger(v) || v < 0) throw new Error(`${base}.wgsl: const ${k} must be a u32, got ${v}`);
    const line = new RegExp(`^const ${k}: u32 = \\d+u;`, 'm');
    if (!line.test(out)) throw new Error(`${base}.wgsl: expected a line \`const ${k}: u32 = <n>u;\` to specialize`);
    out = out.replace(line, `const ${k}: u32 = ${v}u;`);
  }
  SHADERS[name] = out;
  return name;
}
