// Kernel variant choices per adapter and problem shape. An autotuner (conv-tuning.ts,
// matmul-tuning.ts, src/train/autotune.ts) times each tested variant once and keeps the fastest
// in a key-value store; the kernels look their shape up here and fall back to the static
// heuristics when nothing is stored. The store is given by the environment: one JSON file per
// adapter in Node (src/node/tuning-cache.ts), localStorage or nothing in a browser. Only variants
// from the kernels' own lists (CONV_TILES, FWD_TILES, FWD_OQ, WGRAD_BLOCKS, MATMUL_TILES, ...), each
// covered by the reference tests, are accepted.
import type { Device } from '../gpu/device.ts';
import { Tensor } from '../graph/tensor.ts';
import { CONV_TILES, type ConvGeometry, type ConvTile } from './conv-geometry.ts';

/** Where choices live: string keys and values (JSON), synchronous so that kernels can read it. */
export interface TuningStore {
  get(key: string): string | undefined;
  set(key: string, value: string): void;
}

/** An in-memory store (tests, browsers without persistence). */
export function memoryTuningStore(init: Record<string, string> = {}): TuningStore & { entries: Map<string, string> } {
  const entries = new Map(Object.entries(init));
  return { entries, get: (k) => entries.get(k), set: (k, v) => void entries.set(k, v) };
}

const stores = new WeakMap<Device, TuningStore>();

export function setTuningStore(device: Device, store: TuningStore | null): void {
  if (store) stores.set(device, store);
  else stores.delete(device);
}

export function tuningStore(device: Device): TuningStore | null {
  return stores.get(device) ?? null;
}

/**
 * The first part of every key, raised when a kernel's list of variants changes, so that choices
 * stored before are tuned again against the new list instead of kept (2: FWD_TILES, FWD_OQ 8,
 * MATMUL_TILES, WGRAD_BLOCKS).
 */
export const TUNING_GENERATION = 2;

/** The key of one conv problem: the op (kernel family) and the whole geometry. */
export function convKey(op: string, g: ConvGeometry): string {
  return `g${TUNING_GENERATION} ${op}:${g.N}x${g.H}x${g.W}x${g.C}>${g.O} k${g.KH}x${g.KW} s${g.SH},${g.SW} d${g.DH},${g.DW} p${g.PT},${g.PL}`;
}

/** The key of one matmul problem of the tiled (NN) kernel: A [M,K] x B [K,N]. */
export function matmulKey(M: number, K: number, N: number): string {
  return `g${TUNING_GENERATION} matmul:${M}x${K}x${N}`;
}

const sameTile = (a: ConvTile, b: ConvTile) => a.PX === b.PX && a.WGX === b.WGX && a.WGY === b.WGY;

/** The stored tile of a pixel-tiled conv kernel, if one was tuned and is still one of `tiles`. */
export function tunedConvTile(device: Device, op: string, g: ConvGeometry, tiles: readonly ConvTile[] = CONV_TILES): ConvTile | null {
  const v = stores.get(device)?.get(convKey(op, g));
  if (!v) return null;
  try {
    const t = JSON.parse(v) as ConvTile;
    return tiles.find((c) => sameTile(c, t)) ?? null;
  } catch {
    return null;
  }
}

/** The stored variant under `key` if it is one of `variants` (found by `name`, as stored). */
export function tunedChoice<T>(device: Device, key: string, variants: readonly T[], name: (v: T) => string): T | null {
  const v = stores.get(device)?.get(key);
  return v === undefined ? null : (variants.find((c) => name(c) === v) ?? null);
}

/** A stored number (e.g. channel quads per thread of the vec4 dgrad) if it is one of `allowed`. */
export function tunedNumber(device: Device, key: string, allowed: readonly number[]): number | null {
  const v = Number(stores.get(device)?.get(key));
  return allowed.includes(v) ? v : null;
}

/** Random data for a tuner to time kernels on (values in [-0.5, 0.5): no denormals, no zeros). */
export function randomInput(shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = Math.random() - 0.5;
  return Tensor.from(data, shape);
}

/**
 * Times each variant (one untimed run compiles the pipeline, then the best of `repeats`
 * synchronized runs) and returns the fastest with all timings in ms.
 */
export async function pickFastest<T>(device: Device, variants: readonly T[], run: (v: T) => { dispose(): void }, repeats = 2): Promise<{ best: T; ms: number[] }> {
  const ms: number[] = [];
  for (const v of variants) {
    run(v).dispose();
    await device.sync();
    let best = Infinity;
    for (let i = 0; i < repeats; i++) {
      const t0 = performance.now();
      const out = run(v);
      await device.sync();
      best = Math.min(best, performance.now() - t0);
      out.dispose();
    }
    ms.push(best);
  }
  return { best: variants[ms.indexOf(Math.min(...ms))], ms };
}
