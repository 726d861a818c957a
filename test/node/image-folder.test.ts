// A class-per-folder directory on disk: listing order (as image_dataset_from_directory), JPEG and
// PNG decoding, and the clear messages for a corrupt JPEG, an empty class folder and mixed sizes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { listImageFolder, imageFolder } from '../../src/node/image-folder.ts';
import { decodeImage, readImage } from '../../src/node/images.ts';
import { Batcher } from '../../src/train/data/batcher.ts';

let root = '';
const jpg = (w: number, h: number, rgb: [number, number, number]) => {
  const data = Buffer.alloc(w * h * 4);
  for (let i = 0; i < w * h; i++) data.set([...rgb, 255], i * 4);
  return jpeg.encode({ data, width: w, height: h }, 95).data;
};
const png = (w: number, h: number, v: number) => {
  const p = new PNG({ width: w, height: h });
  p.data.fill(v);
  return PNG.sync.write(p);
};

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'wgft-folder-'));
  const put = (rel: string, bytes: Uint8Array | string) => {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), bytes);
  };
  put('good/cats/b.jpg', jpg(8, 6, [200, 10, 10]));
  put('good/cats/a.PNG', png(5, 5, 128));
  put('good/cats/notes.txt', 'not an image');
  put('good/dogs/sub/c.jpeg', jpg(16, 16, [10, 200, 10]));
  put('good/dogs/a.jpg', jpg(3, 9, [10, 10, 200]));
  put('bad/cats/ok.jpg', jpg(4, 4, [1, 2, 3]));
  put('bad/cats/broken.jpg', Buffer.concat([Buffer.from(jpg(8, 8, [9, 9, 9])).subarray(0, 40)]));
  put('bad/dogs/ok.jpg', jpg(4, 4, [1, 2, 3]));
  mkdirSync(join(root, 'empty/cats'), { recursive: true });
  mkdirSync(join(root, 'empty/dogs'), { recursive: true });
  put('empty/dogs/a.jpg', jpg(4, 4, [5, 5, 5]));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('image folders on disk', () => {
  it('lists classes sorted, files sorted, sub-folders walked, non-images ignored', () => {
    const l = listImageFolder(join(root, 'good'));
    expect(Object.keys(l)).toEqual(['cats', 'dogs']);
    expect(l.cats.map((p) => p.slice(root.length))).toEqual(['/good/cats/a.PNG', '/good/cats/b.jpg']);
    expect(l.dogs.map((p) => p.slice(root.length))).toEqual(['/good/dogs/a.jpg', '/good/dogs/sub/c.jpeg']);
  });

  it('decodes JPEG (RGB) and PNG (RGBA); mixed sizes are squashed to the model size', async () => {
    const j = readImage(join(root, 'good/cats/b.jpg'));
    expect([j.width, j.height, j.channels]).toEqual([8, 6, 3]);
    expect(Math.abs(j.data[0] - 200)).toBeLessThan(8);
    const p = readImage(join(root, 'good/cats/a.PNG'));
    expect([p.width, p.height, p.channels]).toEqual([5, 5, 4]);
    const { train, classNames } = imageFolder(join(root, 'good'), { width: 4, height: 4, mode: 'none', shuffle: false });
    expect(classNames).toEqual(['cats', 'dogs']);
    const batches = [];
    for await (const b of new Batcher(train, { batchSize: 4, shuffle: false }).epoch()) batches.push(b);
    expect(batches[0].xShape).toEqual([4, 4, 4, 3]);
    expect([...batches[0].y]).toEqual([0, 0, 1, 1]);
    // The blue 3x9 JPEG stays blue after resizing.
    const blue = batches[0].x.subarray(2 * 48, 3 * 48);
    expect(blue[2]).toBeGreaterThan(150);
    expect(blue[0]).toBeLessThan(60);
  });

  it('a corrupt JPEG fails with its name, or is skipped with a warning', async () => {
    const { train } = imageFolder(join(root, 'bad'), { width: 4, height: 4, mode: 'tf', shuffle: false });
    const run = async (ds: typeof train) => {
      const sizes = [];
      for await (const b of new Batcher(ds, { batchSize: 8, shuffle: false }).epoch()) sizes.push(b.size);
      return sizes;
    };
    await expect(run(train)).rejects.toThrow(/broken\.jpg: corrupt or unsupported JPEG.*skip/);
    const warnings: string[] = [];
    const skip = imageFolder(join(root, 'bad'), { width: 4, height: 4, mode: 'tf', shuffle: false, onError: 'skip', warn: (m) => warnings.push(m) });
    expect(await run(skip.train)).toEqual([2]);
    expect(warnings.join()).toMatch(/skipping .*broken\.jpg/);
    expect(() => decodeImage(new Uint8Array([1, 2, 3]), 'x.jpg')).toThrow(/x\.jpg: not a JPEG or PNG/);
    expect(() => decodeImage(new Uint8Array(0), 'e.jpg')).toThrow(/e\.jpg: empty file/);
  });

  it('mixed image sizes: resized by default, or a clear failure / skip when asked', async () => {
    const load = async (onOtherSize: 'fail' | 'skip', warn?: (m: string) => void) => {
      const { train } = imageFolder(join(root, 'good'), { width: 8, height: 6, mode: 'none', shuffle: false, onOtherSize, warn });
      const sizes = [];
      for await (const b of new Batcher(train, { batchSize: 4, shuffle: false }).epoch()) sizes.push(b.size);
      return sizes;
    };
    await expect(load('fail')).rejects.toThrow(/a\.PNG is 5x5, not 8x6 like the model's input \(mixed image sizes\)/);
    const warnings: string[] = [];
    expect(await load('skip', (m) => warnings.push(m))).toEqual([1]);
    expect(warnings.length).toBe(3);
  });

  it('an empty class folder fails clearly, or warns when allowed', () => {
    expect(() => listImageFolder(join(root, 'empty'))).toThrow(/class folder cats has no images/);
    const warnings: string[] = [];
    const l = listImageFolder(join(root, 'empty'), { onEmptyClass: 'warn', warn: (m) => warnings.push(m) });
    expect(l.cats).toEqual([]);
    expect(warnings[0]).toMatch(/cats has no images/);
    expect(() => listImageFolder(join(root, 'missing'))).toThrow(/no such directory/);
    expect(() => listImageFolder(join(root, 'good/cats'))).toThrow(/no class sub-folders/);
  });
});
