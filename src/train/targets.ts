// Regression targets derived from class labels, for data sets that only have classes (the
// VGG16 "Fashion-MNIST prices" recipe): a value per class, optionally with per-sample noise.
import type { DataSource } from './fit.ts';
import { sizeOf } from '../graph/tensor.ts';

/** Maps (class index, sample index) to a target value. */
export type TargetFn = (classIndex: number, sample: number) => number;

function hashUniform(seed: number, i: number): number {
  let t = (Math.imul(i + 1, 0x9e3779b1) ^ Math.imul(seed + 0x6d2b79f5, 0x85ebca77)) >>> 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
}
/** A standard normal value that depends only on (seed, i): the same sample always gets the same target. */
function hashNormal(seed: number, i: number): number {
  return Math.sqrt(-2 * Math.log(hashUniform(seed, 2 * i))) * Math.cos(2 * Math.PI * hashUniform(seed, 2 * i + 1));
}

/**
 * Parses a targets spec:
 * - `class-normal:MEAN:STD:NOISE[:SEED]`: one mean per class drawn from N(MEAN, STD), each sample
 *   N(class mean, NOISE), normalized to zero mean and unit variance (the recipe's prices);
 * - a JSON object text `{"className": value, ...}` (or an array by class index): one value per class.
 */
export function parseTargets(spec: string, classNames: string[]): TargetFn {
  const m = spec.match(/^class-normal:([-\d.eE]+):([\d.eE]+):([\d.eE]+)(?::(\d+))?$/);
  if (m) {
    const [mean, std, noise, seed] = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4] ?? 0)];
    const means = classNames.map((_, c) => mean + std * hashNormal(seed + 7919, c));
    const mu = means.reduce((a, b) => a + b, 0) / means.length;
    const sigma = Math.sqrt(means.reduce((a, b) => a + (b - mu) ** 2, 0) / means.length + noise * noise) || 1;
    return (c, i) => (means[c] + noise * hashNormal(seed, i) - mu) / sigma;
  }
  let table: unknown;
  try {
    table = JSON.parse(spec);
  } catch {
    throw new Error(`--targets: expected class-normal:MEAN:STD:NOISE[:SEED] or a JSON table of values per class, got '${spec.slice(0, 60)}'`);
  }
  const values = classNames.map((name, c) => {
    const v = Array.isArray(table) ? table[c] : (table as Record<string, unknown>)[name] ?? (table as Record<string, unknown>)[String(c)];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`--targets: no numeric value for class '${name}' (index ${c})`);
    return v;
  });
  return (c) => values[c];
}

/** A source whose targets are `fn(class, sample)` of the wrapped source's class-index targets. */
export function withTargets(src: DataSource, fn: TargetFn): DataSource {
  if (sizeOf(src.yShape) !== 1) throw new Error('regression targets need a source with one class index per sample');
  const map = (y: Float32Array, idx: readonly number[]) => Float32Array.from(y, (c, r) => fn(Math.round(c), idx[r]));
  return {
    ...src,
    yShape: [1],
    get: async (idx) => {
      const b = await src.get(idx);
      return { x: b.x, y: map(b.y, idx) };
    },
    targets: src.targets ? (idx) => map(src.targets!(idx), idx) : undefined,
  };
}
