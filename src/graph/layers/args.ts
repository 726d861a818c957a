// Parsing of Keras's tuple-valued arguments, shared by the CNN layers.
export type Pair = [number, number];

/** An int or a 2-sequence ("pool_size": 2 or [2, 3]). */
export function pair(v: unknown, fallback: Pair, what: string): Pair {
  if (v === undefined || v === null) return fallback;
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2 && v.every((n) => typeof n === 'number')) return [v[0], v[1]];
  throw new Error(`${what}: expected an int or a pair of ints, got ${JSON.stringify(v)}`);
}

/**
 * Padding/cropping amounts [top, bottom, left, right] from an int, (symmetric_h, symmetric_w),
 * ((top, bottom), (left, right)), Keras 1's flat 4-tuple, or Keras 1's dict of *_pad / *_crop keys.
 */
export function edges(v: unknown, what: string): [number, number, number, number] {
  if (typeof v === 'number') return [v, v, v, v];
  if (Array.isArray(v)) {
    if (v.length === 2 && v.every((n) => typeof n === 'number')) return [v[0], v[0], v[1], v[1]];
    if (v.length === 2 && v.every((n) => Array.isArray(n) && n.length === 2)) return [v[0][0], v[0][1], v[1][0], v[1][1]];
    if (v.length === 4 && v.every((n) => typeof n === 'number')) return [v[0], v[1], v[2], v[3]];
  }
  if (v && typeof v === 'object') {
    const d = v as Record<string, number>;
    const get = (k: string) => d[`${k}_pad`] ?? d[`${k}_crop`] ?? 0;
    return [get('top'), get('bottom'), get('left'), get('right')];
  }
  throw new Error(`${what}: cannot read ${JSON.stringify(v)} as padding/cropping amounts`);
}

/** Keras 2 data_format, or Keras 1 dim_ordering ('tf' | 'th'). Only recorded: tensors are NHWC inside. */
export function dataFormat(c: Record<string, unknown>): string {
  if (typeof c.data_format === 'string') return c.data_format;
  if (c.dim_ordering === 'th') return 'channels_first';
  return 'channels_last';
}

export const common = (c: Record<string, unknown>) => ({ name: c.name as string | undefined, trainable: c.trainable as boolean | undefined });

export type Edges = [number, number, number, number];

/** Throws naming the layer unless s is [h, w, c] (an NHWC tensor without its batch). */
export function expect3d(layer: { name: string; className: string }, s: readonly number[]): void {
  if (s.length !== 3) throw new Error(`layer ${layer.name} (${layer.className}): expects [h, w, c] inputs, got [${s.join(',')}]`);
}
