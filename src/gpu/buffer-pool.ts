// A size-bucketed cache of GPU buffers, so that a training step allocates nothing after warm-up.
// Sizes are rounded up to one of four buckets per power of two (at most 25% waste); a released
// buffer goes back to its bucket and is handed out again for the next request of that bucket.

import { BufferUsage } from './constants.ts';

export const TENSOR_USAGE = BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST;

export interface PoolStats {
  /** Buffers created because no free one of the bucket existed. */
  misses: number;
  /** Requests served from the free lists. */
  hits: number;
  /** Bytes held by buffers in use. */
  liveBytes: number;
  /** Bytes held by all buffers the pool created (in use and free). */
  totalBytes: number;
  /** Largest totalBytes seen. */
  peakBytes: number;
  /** Largest liveBytes seen (the bytes of live tensors, bucket-rounded). */
  peakLiveBytes: number;
}

/** The bucket a request of `bytes` falls in: 16-byte aligned, then 4 steps per octave. */
export function bucketSize(bytes: number): number {
  const n = Math.max(16, Math.ceil(bytes / 16) * 16);
  if (n <= 256) return n;
  const step = 2 ** (Math.floor(Math.log2(n)) - 2);
  return Math.ceil(n / step) * step;
}

export class BufferPool {
  private free = new Map<string, GPUBuffer[]>();
  private sizes = new WeakMap<GPUBuffer, number>();
  readonly stats: PoolStats = { misses: 0, hits: 0, liveBytes: 0, totalBytes: 0, peakBytes: 0, peakLiveBytes: 0 };

  constructor(
    private readonly device: GPUDevice,
    private readonly maxBufferSize: number,
  ) {}

  acquire(bytes: number, usage: number = TENSOR_USAGE, label = 'tensor'): GPUBuffer {
    const size = bucketSize(bytes);
    if (size > this.maxBufferSize) {
      throw new Error(
        `${label}: needs a GPU buffer of ${bytes} bytes, more than this device allows (maxBufferSize ${this.maxBufferSize})`,
      );
    }
    let buffer = this.free.get(`${usage}:${size}`)?.pop() ?? this.takeLarger(usage, size);
    if (buffer) {
      this.stats.hits++;
    } else {
      buffer = this.device.createBuffer({ size, usage, label });
      this.sizes.set(buffer, size);
      this.stats.misses++;
      this.stats.totalBytes += size;
      this.stats.peakBytes = Math.max(this.stats.peakBytes, this.stats.totalBytes);
    }
    this.stats.liveBytes += this.sizes.get(buffer)!;
    this.stats.peakLiveBytes = Math.max(this.stats.peakLiveBytes, this.stats.liveBytes);
    return buffer;
  }

  /**
   * A free buffer of a larger bucket, at most twice the size: activations of many different
   * sizes then share buffers instead of each size keeping its own idle one.
   */
  private takeLarger(usage: number, size: number): GPUBuffer | undefined {
    let best: GPUBuffer[] | undefined;
    let bestSize = Infinity;
    for (const [key, list] of this.free) {
      if (!list.length) continue;
      const [u, s] = key.split(':').map(Number);
      if (u === usage && s > size && s <= 2 * size && s < bestSize) {
        best = list;
        bestSize = s;
      }
    }
    return best?.pop();
  }

  release(buffer: GPUBuffer): void {
    const size = this.sizes.get(buffer);
    if (size === undefined) throw new Error('BufferPool.release: buffer was not made by this pool');
    this.stats.liveBytes -= size;
    const key = `${buffer.usage}:${size}`;
    let list = this.free.get(key);
    if (!list) this.free.set(key, (list = []));
    list.push(buffer);
  }

  /** Destroys every free buffer (for example between two phases of different shapes). */
  trim(): void {
    for (const list of this.free.values()) {
      for (const b of list) {
        this.stats.totalBytes -= this.sizes.get(b) ?? 0;
        b.destroy();
      }
    }
    this.free.clear();
  }
}
