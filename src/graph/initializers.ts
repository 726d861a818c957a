// Seeded weight initializers with Keras's names and defaults. Values are made on the CPU once,
// at build time; pretrained weights usually replace them.
import { sizeOf, type Shape } from './tensor.ts';

export type Initializer = (shape: Shape) => Float32Array;

let state = 0x9e3779b9;
/** Seeds every initializer (and so the whole model build) for reproducible runs. */
export function setSeed(seed: number): void {
  state = (seed ^ 0x9e3779b9) >>> 0 || 1;
}
export function random(): number {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
function gaussian(): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** Keras fan computation: kernels are HWIO (conv) or [in, out] (dense). */
export function fans(shape: Shape): [number, number] {
  if (shape.length === 2) return [shape[0], shape[1]];
  if (shape.length < 2) return [shape[0] ?? 1, shape[0] ?? 1];
  const receptive = sizeOf(shape.slice(0, -2));
  return [receptive * shape[shape.length - 2], receptive * shape[shape.length - 1]];
}

export const zeros: Initializer = (s) => new Float32Array(sizeOf(s));
export const ones: Initializer = (s) => new Float32Array(sizeOf(s)).fill(1);
export const constant = (v: number): Initializer => (s) => new Float32Array(sizeOf(s)).fill(v);

export const uniform = (limit: number): Initializer => (s) => {
  const a = new Float32Array(sizeOf(s));
  for (let i = 0; i < a.length; i++) a[i] = (random() * 2 - 1) * limit;
  return a;
};
export const normal = (std: number): Initializer => (s) => {
  const a = new Float32Array(sizeOf(s));
  for (let i = 0; i < a.length; i++) a[i] = gaussian() * std;
  return a;
};
/** Keras truncated normal: redraw beyond two standard deviations. */
export const truncatedNormal = (std: number): Initializer => (s) => {
  const a = new Float32Array(sizeOf(s));
  for (let i = 0; i < a.length; i++) {
    let g = gaussian();
    while (Math.abs(g) > 2) g = gaussian();
    a[i] = g * std;
  }
  return a;
};

export const glorotUniform: Initializer = (s) => {
  const [fi, fo] = fans(s);
  return uniform(Math.sqrt(6 / (fi + fo)))(s);
};
export const glorotNormal: Initializer = (s) => {
  const [fi, fo] = fans(s);
  return truncatedNormal(Math.sqrt(2 / (fi + fo)) / 0.8796256610342398)(s);
};
export const heNormal: Initializer = (s) => truncatedNormal(Math.sqrt(2 / fans(s)[0]) / 0.8796256610342398)(s);
export const heUniform: Initializer = (s) => uniform(Math.sqrt(6 / fans(s)[0]))(s);
/** Gluon's Xavier (uniform, magnitude 3, "avg" factor) equals Glorot uniform. */
export const xavier = glorotUniform;

const BY_NAME: Record<string, Initializer> = {
  zeros,
  Zeros: zeros,
  ones,
  Ones: ones,
  glorot_uniform: glorotUniform,
  GlorotUniform: glorotUniform,
  glorot_normal: glorotNormal,
  GlorotNormal: glorotNormal,
  he_normal: heNormal,
  HeNormal: heNormal,
  he_uniform: heUniform,
  HeUniform: heUniform,
};

/** Resolves a Keras initializer name or config ({class_name, config}); unknown ones fall back to Glorot uniform. */
export function initializerFrom(spec: unknown, fallback: Initializer = glorotUniform): Initializer {
  if (typeof spec === 'string') return BY_NAME[spec] ?? fallback;
  if (spec && typeof spec === 'object' && 'class_name' in spec) {
    const { class_name, config } = spec as { class_name: string; config?: Record<string, number> };
    if (class_name === 'Constant') return constant(config?.value ?? 0);
    if (class_name === 'RandomNormal') return normal(config?.stddev ?? 0.05);
    if (class_name === 'RandomUniform') return uniform(config?.maxval ?? 0.05);
    if (class_name === 'TruncatedNormal') return truncatedNormal(config?.stddev ?? 0.05);
    if (class_name === 'VarianceScaling') return fallback;
    return BY_NAME[class_name] ?? fallback;
  }
  return fallback;
}
