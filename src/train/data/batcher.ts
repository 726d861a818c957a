// Batches of a Dataset as NHWC Float32Arrays, shuffled per epoch with a seed, with optional
// augmentation (random horizontal flip, random crop = shift with zero padding). The next batch
// is prepared while the caller runs the current one on the GPU (one batch of prefetch).
import type { Dataset } from './image-folder.ts';
import { MT19937 } from './random.ts';

export interface Batch {
  /** [size, ...inputShape] values. */
  x: Float32Array;
  /** [size] class indices, or [size, targetSize] targets. */
  y: Float32Array;
  size: number;
  xShape: number[];
  yShape: number[];
}

export interface Augment {
  /** Mirror left-right with probability 1/2. */
  flip?: boolean;
  /** Random crop: shift by up to this many pixels each way, filling with zeros (pad-and-crop). */
  crop?: number;
}

export interface BatcherOptions {
  batchSize: number;
  /** Reshuffle every epoch (default true). */
  shuffle?: boolean;
  seed?: number;
  augment?: Augment;
  /** Drop a last partial batch (default false). */
  dropRemainder?: boolean;
  /** Samples decoded concurrently within a batch (default 4). */
  concurrency?: number;
}

/** Mirrors an HWC image left-right in place. */
export function flipHorizontal(x: Float32Array, h: number, w: number, c: number): void {
  for (let y = 0; y < h; y++) {
    for (let i = 0; i < w >> 1; i++) {
      const a = (y * w + i) * c;
      const b = (y * w + (w - 1 - i)) * c;
      for (let k = 0; k < c; k++) {
        const t = x[a + k];
        x[a + k] = x[b + k];
        x[b + k] = t;
      }
    }
  }
}

/** Shifts an HWC image by (dy, dx) with zero fill: out[y][x] = in[y + dy][x + dx]. */
export function shiftImage(x: Float32Array, h: number, w: number, c: number, dy: number, dx: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let y = 0; y < h; y++) {
    const sy = y + dy;
    if (sy < 0 || sy >= h) continue;
    for (let i = 0; i < w; i++) {
      const sx = i + dx;
      if (sx < 0 || sx >= w) continue;
      out.set(x.subarray((sy * w + sx) * c, (sy * w + sx + 1) * c), (y * w + i) * c);
    }
  }
  return out;
}

export class Batcher {
  readonly batchSize: number;
  private readonly opts: BatcherOptions;

  constructor(
    readonly dataset: Dataset,
    opts: BatcherOptions,
  ) {
    if (!Number.isInteger(opts.batchSize) || opts.batchSize < 1) throw new Error(`batch size must be a positive integer, got ${opts.batchSize}`);
    if (opts.augment && (opts.augment.flip || opts.augment.crop) && dataset.inputShape.length !== 3) {
      throw new Error(`augmentation needs image samples [H,W,C], got [${dataset.inputShape}]`);
    }
    this.batchSize = opts.batchSize;
    this.opts = opts;
  }

  get batchesPerEpoch(): number {
    const n = this.dataset.size / this.batchSize;
    return this.opts.dropRemainder ? Math.floor(n) : Math.ceil(n);
  }

  /** Sample order of an epoch. */
  order(epoch: number): number[] {
    const idx = Array.from({ length: this.dataset.size }, (_, i) => i);
    if (this.opts.shuffle ?? true) new MT19937(((this.opts.seed ?? 0) * 7919 + epoch * 104729 + 1) >>> 0).shuffle(idx);
    return idx;
  }

  /** Batches of one epoch; the next batch is loading while the caller awaits its work. */
  async *epoch(epoch = 0): AsyncGenerator<Batch> {
    const order = this.order(epoch);
    const rng = new MT19937(((this.opts.seed ?? 0) * 31337 + epoch * 7 + 12345) >>> 0);
    const starts: number[] = [];
    for (let s = 0; s < order.length; s += this.batchSize) {
      if (this.opts.dropRemainder && s + this.batchSize > order.length) break;
      starts.push(s);
    }
    // Augmentation draws are made up front, per sample, so results do not depend on timing.
    const draws = order.map(() => [rng.random(), rng.random(), rng.random()]);
    const load = (s: number) => this.load(order.slice(s, s + this.batchSize), draws.slice(s, s + this.batchSize));
    let next: Promise<Batch | null> | null = starts.length ? load(starts[0]) : null;
    for (let b = 0; b < starts.length; b++) {
      const current = await next!;
      next = b + 1 < starts.length ? load(starts[b + 1]) : null;
      // Keep a pending prefetch from becoming an unhandled rejection if the consumer stops.
      next?.catch(() => {});
      if (current) yield current;
    }
  }

  private async load(indices: number[], draws: number[][]): Promise<Batch | null> {
    const ds = this.dataset;
    const per = ds.inputShape.reduce((a, b) => a * b, 1);
    const samples: ({ x: Float32Array; y: Float32Array | number } | null)[] = new Array(indices.length);
    const conc = this.opts.concurrency ?? 4;
    let pos = 0;
    const worker = async () => {
      while (pos < indices.length) {
        const k = pos++;
        samples[k] = await ds.get(indices[k]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(conc, indices.length) }, worker));
    const kept = samples.map((s, i) => [s, i] as const).filter(([s]) => s !== null) as [{ x: Float32Array; y: Float32Array | number }, number][];
    if (!kept.length) return null;
    const n = kept.length;
    const x = new Float32Array(n * per);
    const y = new Float32Array(n * ds.targetSize);
    const aug = this.opts.augment;
    const [h, w, c] = ds.inputShape;
    kept.forEach(([s, i], k) => {
      if (s.x.length !== per) throw new Error(`sample ${indices[i]} has ${s.x.length} values, expected ${per} for [${ds.inputShape}]`);
      let v = s.x;
      if (aug?.crop) {
        const r = aug.crop;
        const dy = Math.floor(draws[i][1] * (2 * r + 1)) - r;
        const dx = Math.floor(draws[i][2] * (2 * r + 1)) - r;
        v = shiftImage(v, h, w, c, dy, dx);
      }
      x.set(v, k * per);
      if (aug?.flip && draws[i][0] < 0.5) flipHorizontal(x.subarray(k * per, (k + 1) * per), h, w, c);
      if (typeof s.y === 'number') y[k] = s.y;
      else y.set(s.y, k * ds.targetSize);
    });
    return { x, y, size: n, xShape: [n, ...ds.inputShape], yShape: ds.targetSize === 1 ? [n] : [n, ds.targetSize] };
  }
}
