// Image-folder labelling and splitting (image_dataset_from_directory semantics), the numpy
// shuffle they depend on, array datasets, and the batcher (prefetch, seeded shuffle, augmentation).
import { describe, expect, it } from 'vitest';
import { splitFolder, imageDataset, type Dataset } from '../../../src/train/data/image-folder.ts';
import { MT19937 } from '../../../src/train/data/random.ts';
import { arrayDataset } from '../../../src/train/data/arrays.ts';
import { Batcher, flipHorizontal, shiftImage } from '../../../src/train/data/batcher.ts';

describe('numpy-compatible shuffle', () => {
  it('MT19937 and RandomState(seed).shuffle match numpy', () => {
    expect(new MT19937(5489).nextUint32()).toBe(3499211612);
    // np.random.seed(0); np.random.permutation(10)
    expect(new MT19937(0).shuffle([...Array(10).keys()])).toEqual([2, 8, 4, 9, 1, 6, 7, 3, 0, 5]);
  });
});

describe('splitFolder', () => {
  const listing = { dogs: ['d0', 'd1', 'd2', 'd3'], cats: ['c0', 'c1', 'c2'], Birds: ['b0', 'b1', 'b2'] };
  it('sorts classes (code point order, as Python), labels by index', () => {
    const s = splitFolder(listing, { shuffle: false });
    expect(s.classNames).toEqual(['Birds', 'cats', 'dogs']);
    expect(s.train.items).toEqual(['b0', 'b1', 'b2', 'c0', 'c1', 'c2', 'd0', 'd1', 'd2', 'd3']);
    expect(s.train.labels).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2, 2]);
    expect(s.validation).toBeNull();
  });
  it('shuffles with the seed (numpy order) before taking the last fraction for validation', () => {
    const s = splitFolder(listing, { seed: 0, validationSplit: 0.2 });
    const all = ['b0', 'b1', 'b2', 'c0', 'c1', 'c2', 'd0', 'd1', 'd2', 'd3'];
    const perm = [2, 8, 4, 9, 1, 6, 7, 3, 0, 5];
    expect([...s.train.items, ...s.validation!.items]).toEqual(perm.map((i) => all[i]));
    expect(s.validation!.items).toEqual(['b0', 'c2']);
    expect(s.validation!.labels).toEqual([0, 1]);
    // Items keep their labels through the shuffle.
    s.train.items.forEach((it, i) => expect(s.classNames[s.train.labels[i]][0].toLowerCase()).toBe(it[0]));
    // Deterministic; another seed gives another split.
    expect(splitFolder(listing, { seed: 0, validationSplit: 0.2 })).toEqual(s);
    expect(splitFolder(listing, { seed: 1, validationSplit: 0.2 }).validation!.items).not.toEqual(s.validation!.items);
  });
  it('clear errors', () => {
    expect(() => splitFolder({})).toThrow(/no class sub-folders/);
    expect(() => splitFolder({ a: [], b: [] })).toThrow(/no images/);
    expect(() => splitFolder(listing, { validationSplit: 1.5 })).toThrow(/validationSplit/);
    expect(() => splitFolder({ a: ['x'] }, { validationSplit: 0.5 })).toThrow(/leaves no validation/);
  });
});

describe('image dataset decode errors', () => {
  const split = { items: ['good', 'bad'], labels: [0, 1], classNames: ['a', 'b'] };
  const decode = (k: string) => {
    if (k === 'bad') throw new Error('corrupt JPEG');
    return { width: 2, height: 2, channels: 3, data: new Uint8Array(12).fill(255) };
  };
  it('fails by default naming the file, or skips with a warning', async () => {
    const failing = imageDataset(split, decode, { width: 1, height: 1, mode: 'none' });
    expect((await failing.get(0))!.x).toEqual(Float32Array.from([255, 255, 255]));
    await expect(failing.get(1)).rejects.toThrow(/bad: corrupt JPEG.*skip/);
    const warnings: string[] = [];
    const skipping = imageDataset(split, decode, { width: 1, height: 1, mode: 'none', onError: 'skip', warn: (m) => warnings.push(m) });
    expect(await skipping.get(1)).toBeNull();
    expect(warnings).toEqual(['skipping bad: corrupt JPEG']);
    const batches = [];
    for await (const b of new Batcher(skipping, { batchSize: 2, shuffle: false }).epoch()) batches.push(b);
    expect(batches.map((b) => b.size)).toEqual([1]);
  });
});

describe('arrays and batches', () => {
  const n = 7;
  const x = Float32Array.from({ length: n * 2 * 2 * 1 }, (_, i) => i + 1);
  const y = Float32Array.from({ length: n }, (_, i) => i % 3);
  it('arrayDataset: validation is the last fraction (as fit)', async () => {
    const ds = arrayDataset(x, [n, 2, 2, 1], y);
    const [tr, va] = ds.split(0.3);
    expect([tr.size, va!.size]).toEqual([5, 2]);
    expect((await va!.get(0))!.x).toEqual(x.subarray(20, 24));
    expect((await va!.get(1))!.y).toBe(y[6]);
    expect(() => arrayDataset(x, [n, 3], y)).toThrow(/needs 21/);
    expect(() => arrayDataset(x, [n, 2, 2, 1], y, [6])).toThrow(/7 samples but y has 6/);
  });
  it('batches NHWC, last one partial, every sample once per epoch, seeded order', async () => {
    const ds = arrayDataset(x, [n, 2, 2, 1], y);
    const b = new Batcher(ds, { batchSize: 3, seed: 5 });
    expect(b.batchesPerEpoch).toBe(3);
    const seen: number[] = [];
    const sizes: number[] = [];
    for await (const batch of b.epoch(0)) {
      sizes.push(batch.size);
      expect(batch.xShape).toEqual([batch.size, 2, 2, 1]);
      for (let k = 0; k < batch.size; k++) seen.push(batch.x[k * 4] - 1);
    }
    expect(sizes).toEqual([3, 3, 1]);
    expect([...seen].sort((p, q) => p - q)).toEqual([0, 4, 8, 12, 16, 20, 24]);
    expect(b.order(0)).toEqual(new Batcher(ds, { batchSize: 3, seed: 5 }).order(0));
    expect(b.order(1)).not.toEqual(b.order(0));
    const dropped = [];
    for await (const batch of new Batcher(ds, { batchSize: 3, dropRemainder: true }).epoch()) dropped.push(batch.size);
    expect(dropped).toEqual([3, 3]);
  });
  it('prefetches: the next batch is loading while the consumer works', async () => {
    const log: string[] = [];
    const slow: Dataset = {
      size: 4,
      inputShape: [1],
      targetSize: 1,
      async get(i) {
        log.push(`get ${i}`);
        await new Promise((r) => setTimeout(r, 5));
        return { x: Float32Array.of(i), y: i };
      },
    };
    for await (const batch of new Batcher(slow, { batchSize: 2, shuffle: false }).epoch()) {
      log.push(`use ${batch.x[0]}`);
      await new Promise((r) => setTimeout(r, 30));
    }
    expect(log.indexOf('get 2')).toBeLessThan(log.indexOf('use 0'));
  });
  it('augmentation: seeded flips and shifts', async () => {
    const img = Float32Array.from([1, 2, 3, 4, 5, 6]); // 2x3x1
    const f = img.slice();
    flipHorizontal(f, 2, 3, 1);
    expect([...f]).toEqual([3, 2, 1, 6, 5, 4]);
    expect([...shiftImage(img, 2, 3, 1, 1, -1)]).toEqual([0, 4, 5, 0, 0, 0]);
    const ds = arrayDataset(new Float32Array(8 * 6).map((_, i) => (i % 6) + 1), [8, 2, 3, 1], new Float32Array(8));
    const epochX = async (seed: number) => {
      const out: number[] = [];
      for await (const b of new Batcher(ds, { batchSize: 4, seed, augment: { flip: true, crop: 1 } }).epoch(0)) out.push(...b.x);
      return out;
    };
    const a = await epochX(3);
    expect(await epochX(3)).toEqual(a);
    expect(await epochX(4)).not.toEqual(a);
    expect(a).not.toEqual([...new Float32Array(8 * 6).map((_, i) => (i % 6) + 1)]);
  });
});
