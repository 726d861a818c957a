// MXNet NDArray list files: every fixture against its manifest, v2 rewrites byte for byte, errors.
import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { bytesSource } from '../../src/loaders/byte-source.ts';
import { readMxnetParams, writeMxnetParams } from '../../src/loaders/mxnet/params.ts';

const DIR = '../shared/fixtures/mxnet';
const have = existsSync(DIR);
if (!have) console.warn(`skipping MXNet fixture tests: ${DIR} is absent`);

function manifests(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...manifests(p));
    else if (e.endsWith('.manifest.json')) out.push(p);
  }
  return out.sort();
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const load = (path: string) => readMxnetParams(bytesSource(new Uint8Array(readFileSync(path)), path));

describe.skipIf(!have)('MXNet parameter fixtures', () => {
  for (const m of have ? manifests(DIR) : []) {
    const path = m.replace(/\.manifest\.json$/, '');
    const man = JSON.parse(readFileSync(m, 'utf8'));
    it(`${path.slice(DIR.length + 1)} equals its manifest`, async () => {
      const bytes = new Uint8Array(readFileSync(path));
      expect(bytes.byteLength).toBe(man.bytes);
      expect(sha256(bytes)).toBe(man.sha256);
      const p = await readMxnetParams(bytesSource(bytes, path));
      expect(p.tensors.length).toBe(man.tensor_count);
      expect(p.named).toBe(man.name_count > 0);
      if (man.name_count) expect(p.tensors.map((t) => t.name)).toEqual(man.names);
      expect([...new Set(p.tensors.map((t) => t.layout))]).toEqual(man.ndarray_format);
      expect(p.tensors.reduce((s, t) => s + t.data.length, 0)).toBe(man.total_params);
      man.tensors.forEach((mt: { name: string; shape: number[]; dtype: string; size: number; first: number[]; sum: number; values?: number[] }, i: number) => {
        const t = p.tensors[i];
        expect(t.shape, mt.name).toEqual(mt.shape);
        expect(t.dtype).toBe(mt.dtype);
        expect(t.data.length).toBe(mt.size);
        expect(Array.from(t.data.subarray(0, mt.first.length))).toEqual(mt.first);
        if (mt.values) expect(Array.from(t.data)).toEqual(mt.values);
        let s = 0;
        for (const v of t.data) s += v;
        expect(Math.abs(s - mt.sum)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(mt.sum)) + 1e-6);
      });
      if (man.ndarray_format.length === 1 && man.ndarray_format[0] === 'v2') {
        const again = writeMxnetParams(p.tensors.map((t) => ({ name: t.name, shape: t.shape, data: t.data, context: t.context })), p.named);
        expect(sha256(again)).toBe(man.sha256);
      }
    });
  }
});

describe.skipIf(!have)('truncated fixtures', () => {
  for (const f of ['fedavg_lenet/LeNet.params', 'insightface/mtcnn/det1-0001.params', 'sagemaker/gluon_hosting/model.params', 'd2l_np_v3/mlp.params']) {
    it(`${f} cut anywhere gives one clear error naming the file`, async () => {
      const b = new Uint8Array(readFileSync(`${DIR}/${f}`));
      for (const cut of [0, 20, 30, 60, 1000, b.byteLength >> 1, b.byteLength - 3, b.byteLength - 1]) {
        await expect(readMxnetParams(bytesSource(b.subarray(0, cut), f)), `cut at ${cut}`).rejects.toThrow(new RegExp(`^${f.replace(/[.]/g, '\\.')}: (truncated|\\d+ bytes is too short|declares \\d+ arrays)`));
      }
    });
  }
});

describe('MXNet parameter writer and errors', () => {
  it('reads back what it writes, bit for bit, for every dtype', async () => {
    const f = new Float32Array([1.5, -2.25, NaN, 3e-39, 7]);
    const raw64 = new Uint8Array(new Float64Array([1.25, -3]).buffer);
    const rawI64 = new Uint8Array(new BigInt64Array([5n, -7n, 9n]).buffer);
    const rawU8 = new Uint8Array([0, 255, 3]);
    const rawH = new Uint8Array(new Uint16Array([0x3c00, 0xc000]).buffer); // 1, -2
    const rawI32 = new Uint8Array(new Int32Array([-4, 8]).buffer);
    const bytes = writeMxnetParams([
      { name: 'features.0.weight', shape: [5, 1, 1, 1], data: f },
      { name: 'a', shape: [2], dtype: 'float64', raw: raw64 },
      { name: 'b', shape: [3], dtype: 'int64', raw: rawI64 },
      { name: 'c', shape: [3], dtype: 'uint8', raw: rawU8 },
      { name: 'd', shape: [2], dtype: 'float16', raw: rawH },
      { name: 'e', shape: [1, 2], dtype: 'int32', raw: rawI32 },
    ]);
    const p = await readMxnetParams(bytesSource(bytes, 'mine.params'));
    expect(p.tensors.map((t) => t.name)).toEqual(['features.0.weight', 'a', 'b', 'c', 'd', 'e']);
    expect(new Uint32Array(p.tensors[0].data.buffer)).toEqual(new Uint32Array(f.buffer));
    expect(Array.from(p.tensors[1].data)).toEqual([1.25, -3]);
    expect(Array.from(p.tensors[2].data)).toEqual([5, -7, 9]);
    expect(Array.from(p.tensors[3].data)).toEqual([0, 255, 3]);
    expect(Array.from(p.tensors[4].data)).toEqual([1, -2]);
    expect(Array.from(p.tensors[5].data)).toEqual([-4, 8]);
    expect(p.tensors.map((t) => t.dtype)).toEqual(['float32', 'float64', 'int64', 'uint8', 'float16', 'int32']);
    const again = writeMxnetParams(p.tensors.map((t) => ({ name: t.name, shape: t.shape, dtype: t.dtype, raw: t.raw })));
    expect(again).toEqual(bytes);
    const unnamed = await readMxnetParams(bytesSource(writeMxnetParams([{ name: '', shape: [1], data: f.subarray(0, 1) }], false), 'u'));
    expect(unnamed.named).toBe(false);
    expect([...unnamed.map.keys()]).toEqual(['0']);
  });

  const good = () => writeMxnetParams([{ name: 'conv0_weight', shape: [2, 3], data: new Float32Array(6).fill(1) }]);

  it('refuses a truncated file with one clear error', async () => {
    const b = good();
    await expect(readMxnetParams(bytesSource(b.subarray(0, 60), 'cut.params'))).rejects.toThrow(/cut\.params: truncated.*array 0/);
  });
  it('refuses a wrong magic', async () => {
    const b = good().slice();
    b[0] = 0x13;
    await expect(readMxnetParams(bytesSource(b, 'bad.params'))).rejects.toThrow(/bad\.params: not an MXNet NDArray list file \(magic 0x113/);
    const c = good().slice();
    c[24] = 0x77; // corrupt the per-array magic
    await expect(readMxnetParams(bytesSource(c, 'bad2.params'))).rejects.toThrow(/bad2\.params: array 0: unknown NDArray record magic/);
  });
  it('refuses a huge declared shape before allocating', async () => {
    const b = good().slice();
    new DataView(b.buffer).setBigInt64(24 + 12, 1n << 40n, true);
    await expect(readMxnetParams(bytesSource(b, 'big.params'))).rejects.toThrow(/big\.params: truncated or corrupt: array 0 of shape \[1099511627776,3\]/);
  });
  it('names Git LFS pointers and sparse storage', async () => {
    const lfs = new TextEncoder().encode('version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 123\n');
    await expect(readMxnetParams(bytesSource(lfs, 'lfs.params'))).rejects.toThrow(/Git LFS pointer/);
    const b = good().slice();
    new DataView(b.buffer).setInt32(28, 1, true);
    await expect(readMxnetParams(bytesSource(b, 'sp.params'))).rejects.toThrow(/row_sparse storage/);
  });
});
