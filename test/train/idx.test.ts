import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { gzipSync } from 'fflate';
import { parseIdx, idxImagesToFloat } from '../../src/train/data/idx.ts';

const FASHION = '/usr/share/datasets/fashion-mnist';

function idx(type: number, shape: number[], values: number[]): Uint8Array {
  const size = { 0x08: 1, 0x09: 1, 0x0b: 2, 0x0c: 4, 0x0d: 4, 0x0e: 8 }[type]!;
  const buf = new Uint8Array(4 + 4 * shape.length + values.length * size);
  const dv = new DataView(buf.buffer);
  buf.set([0, 0, type, shape.length]);
  shape.forEach((d, i) => dv.setUint32(4 + 4 * i, d, false));
  const o = 4 + 4 * shape.length;
  values.forEach((v, i) => {
    const at = o + i * size;
    if (type === 0x08) dv.setUint8(at, v);
    else if (type === 0x09) dv.setInt8(at, v);
    else if (type === 0x0b) dv.setInt16(at, v, false);
    else if (type === 0x0c) dv.setInt32(at, v, false);
    else if (type === 0x0d) dv.setFloat32(at, v, false);
    else dv.setFloat64(at, v, false);
  });
  return buf;
}

describe('IDX reader', () => {
  it('reads every element type, big-endian, with or without gzip', () => {
    const cases: [number, number[]][] = [[0x08, [0, 7, 255, 128, 1, 2]], [0x09, [-128, 5, 127, -1, 0, 3]], [0x0b, [-300, 2, 30000, 4, 5, -6]], [0x0c, [1 << 20, -7, 3, 9, 11, -13]], [0x0d, [0.5, -2.25, 3, 1e-3, 7, 8]], [0x0e, [Math.PI, -1e100, 0.1, 2, 3, 4]]];
    for (const [type, values] of cases) {
      for (const bytes of [idx(type, [2, 3], values), gzipSync(idx(type, [2, 3], values))]) {
        const a = parseIdx(bytes);
        expect(a.shape).toEqual([2, 3]);
        expect(Array.from(a.data)).toEqual(type === 0x0d ? values.map(Math.fround) : values);
      }
    }
    const img = idxImagesToFloat(parseIdx(idx(0x08, [2, 1, 2], [0, 255, 51, 102])));
    expect(img.shape).toEqual([2, 2]);
    expect(Array.from(img.x)).toEqual([0, 1, 0.2, 0.4].map(Math.fround));
  });

  it('clear errors for bad magic, truncated header or data, corrupt gzip', () => {
    expect(() => parseIdx(Uint8Array.of(1, 2, 3, 4, 5), 'x.idx')).toThrow(/x.idx: bad magic 01 02 03 04/);
    expect(() => parseIdx(Uint8Array.of(0, 0, 0x07, 1, 0, 0, 0, 1, 0))).toThrow(/bad magic 00 00 07 01/);
    expect(() => parseIdx(Uint8Array.of(0, 0))).toThrow(/too short/);
    expect(() => parseIdx(Uint8Array.of(0, 0, 8, 3, 0, 0, 0, 2))).toThrow(/truncated header \(rank 3 needs 16 bytes, got 8\)/);
    expect(() => parseIdx(idx(0x0c, [4], [1, 2, 3, 4]).subarray(0, 20), 'labels')).toThrow(/labels: truncated data: shape \[4\] of int needs 24 bytes, the file has 20/);
    const gz = gzipSync(idx(0x08, [3], [1, 2, 3]));
    expect(() => parseIdx(gz.subarray(0, gz.length - 6), 'a.gz')).toThrow(/a.gz: (gzip data is corrupt or truncated|truncated data)/);
  });

  describe.skipIf(!existsSync(`${FASHION}/t10k-labels-idx1-ubyte.gz`))('Fashion-MNIST files (Debian dataset-fashion-mnist)', () => {
    it('test set: 10000 images of 28x28 and labels 0..9', () => {
      const images = parseIdx(readFileSync(`${FASHION}/t10k-images-idx3-ubyte.gz`), 't10k images');
      const labels = parseIdx(readFileSync(`${FASHION}/t10k-labels-idx1-ubyte.gz`), 't10k labels');
      expect(images.shape).toEqual([10000, 28, 28]);
      expect(labels.shape).toEqual([10000]);
      expect(Math.max(...labels.data)).toBe(9);
      expect(images.data).toBeInstanceOf(Uint8Array);
    });
  });
});
