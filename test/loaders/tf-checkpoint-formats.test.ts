// V1 and V2 checkpoints built in code: slices, shards, dtypes, endianness, InceptionV3 slim names.
import { describe, it, expect } from 'vitest';
import { bytesSource, type ByteSource } from '../../src/loaders/byte-source.ts';
import { readTfCheckpoint, writeTable, mapCheckpointToModel, SLIM_INCEPTION_V3_SCOPES } from '../../src/loaders/tf-checkpoint/index.ts';
import { crc32c, maskCrc, type TableEntry } from '../../src/loaders/tf-checkpoint/leveldb-table.ts';
import { BundleEntryProto, BundleHeaderProto, SavedTensorSlices } from '../../src/loaders/tf-checkpoint/protos.ts';
import { encodeTensorNameSlice } from '../../src/loaders/tf-checkpoint/ordered-code.ts';
import { hostTensor, type NamedTensors } from '../../src/loaders/named-tensors.ts';
import { InceptionV3 } from '../../src/zoo/index.ts';

const enc = new TextEncoder();
const cmp = (a: Uint8Array, b: Uint8Array) => {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
};
const table = (entries: TableEntry[], snappy = false) => writeTable([...entries].sort((x, y) => cmp(x.key, y.key)), { snappy, perBlock: 2 });
const opener = (files: Record<string, Uint8Array>) => async (name: string): Promise<ByteSource> => {
  if (!files[name]) throw new Error(`${name}: no such file`);
  return bytesSource(files[name], name);
};
const shapeProto = (s: number[]) => ({ dim: s.map((size) => ({ size })) });

describe('V1 checkpoints built in code', () => {
  // w [4,3] split by rows over two shards; step int64; h bfloat16; f float16 via half_val.
  const w = Float32Array.from({ length: 12 }, (_, i) => i * 0.25 - 1);
  const slice = (start: number, length: number) => ({ extent: [{ start, length }, {}] });
  const meta = (tensors: object[]) => ({ key: new Uint8Array(0), value: SavedTensorSlices.encode({ meta: { tensor: tensors, versions: { producer: 1 } } }).finish() });
  const data = (name: string, ext: { start: number; length: number } | null, sl: object, d: object) => ({
    key: encodeTensorNameSlice(name, ext ? [ext, null] : []),
    value: SavedTensorSlices.encode({ data: { name, slice: sl, data: d } }).finish(),
  });
  const shard0 = table([
    meta([
      { name: 'w', shape: shapeProto([4, 3]), type: 1, slice: [slice(0, 1)] },
      { name: 'global_step', shape: shapeProto([]), type: 9, slice: [{}] },
      { name: 'h', shape: shapeProto([2]), type: 14, slice: [{}] },
      { name: 'f', shape: shapeProto([2]), type: 19, slice: [{}] },
    ]),
    data('w', { start: 0, length: 1 }, slice(0, 1), { float_val: Array.from(w.subarray(0, 3)) }),
    data('global_step', null, {}, { int64_val: [1234567] }),
    { key: encodeTensorNameSlice('h', [null]), value: SavedTensorSlices.encode({ data: { name: 'h', slice: {}, data: { half_val: [0x3f80, 0xc040] } } }).finish() },
    { key: encodeTensorNameSlice('f', [null]), value: SavedTensorSlices.encode({ data: { name: 'f', slice: {}, data: { half_val: [0x3c00, 0xc000] } } }).finish() },
  ]);
  const shard1 = table([
    meta([{ name: 'w', shape: shapeProto([4, 3]), type: 1, slice: [slice(1, 3)] }]),
    data('w', { start: 1, length: 3 }, slice(1, 3), { float_val: Array.from(w.subarray(3)) }),
  ], true);

  it('reads a sharded V1 checkpoint, assembling slices', async () => {
    const files = { 'model.ckpt-00000-of-00002': shard0, 'model.ckpt-00001-of-00002': shard1 };
    const ck = await readTfCheckpoint(bytesSource(shard0, 'model.ckpt-00000-of-00002'), opener(files));
    expect(ck.format).toBe('v1');
    expect(Array.from(ck.tensors.get('w')!.data)).toEqual(Array.from(w));
    expect(ck.tensors.get('w')!.shape).toEqual([4, 3]);
    expect(ck.tensors.get('global_step')!.data[0]).toBe(1234567);
    expect(Array.from(ck.tensors.get('h')!.data)).toEqual([1, -3]);
    expect(Array.from(ck.tensors.get('f')!.data)).toEqual([1, -2]);
    expect(ck.entries.map((e) => `${e.name}:${e.dtype}`)).toEqual(['f:float16', 'global_step:int64', 'h:bfloat16', 'w:float32']);
  });
  it('a missing V1 shard is named', async () => {
    await expect(readTfCheckpoint(bytesSource(shard0, 'model.ckpt-00000-of-00002'), opener({}))).rejects.toThrow(/checkpoint shard model\.ckpt-00001-of-00002 is missing/);
  });
});

describe('V2 bundles built in code: dtypes, big-endian, partitioned variables', () => {
  const entry = (name: string | Uint8Array, dtype: number, shape: number[], offset: number, bytes: Uint8Array, extra: object = {}) => ({
    key: typeof name === 'string' ? enc.encode(name) : name,
    value: BundleEntryProto.encode({ dtype, shape: shapeProto(shape), shard_id: 0, offset, size: bytes.length, crc32c: maskCrc(crc32c(bytes)), ...extra }).finish(),
  });
  function bundle(big: boolean) {
    const parts: Uint8Array[] = [];
    let off = 0;
    const put = (b: Uint8Array) => {
      parts.push(b);
      off += b.length;
      return off - b.length;
    };
    const buf = (n: number, fill: (dv: DataView) => void) => {
      const b = new Uint8Array(n);
      fill(new DataView(b.buffer));
      return b;
    };
    const le = !big;
    const f32 = buf(8, (d) => { d.setFloat32(0, 1.5, le); d.setFloat32(4, -2.25, le); });
    const f64 = buf(16, (d) => { d.setFloat64(0, 0.1, le); d.setFloat64(8, -7, le); });
    const i32 = buf(8, (d) => { d.setInt32(0, -5, le); d.setInt32(4, 70000, le); });
    const i64 = buf(8, (d) => d.setBigInt64(0, -9n, le));
    const f16 = buf(4, (d) => { d.setUint16(0, 0x3c00, le); d.setUint16(2, 0xc000, le); });
    const b16 = buf(4, (d) => { d.setUint16(0, 0x3f80, le); d.setUint16(2, 0xc040, le); });
    const cpx = new Uint8Array(8);
    // partitioned p [3,2]: rows 0..1 then rows 1..3
    const p0 = buf(8, (d) => { d.setFloat32(0, 1, le); d.setFloat32(4, 2, le); });
    const p1 = buf(16, (d) => [3, 4, 5, 6].forEach((v, i) => d.setFloat32(4 * i, v, le)));
    const sl = (start: number, length: number) => ({ extent: [{ start, length }, {}] });
    const entries: TableEntry[] = [
      { key: new Uint8Array(0), value: BundleHeaderProto.encode({ num_shards: 1, endianness: big ? 1 : 0 }).finish() },
      entry('a_f32', 1, [2], put(f32), f32),
      entry('b_f64', 2, [2], put(f64), f64),
      entry('c_i32', 3, [2], put(i32), i32),
      entry('d_i64', 9, [], put(i64), i64),
      entry('e_f16', 19, [2], put(f16), f16),
      entry('f_bf16', 14, [2], put(b16), b16),
      entry('g_complex', 8, [1], put(cpx), cpx),
      { key: enc.encode('p'), value: BundleEntryProto.encode({ dtype: 1, shape: shapeProto([3, 2]), slices: [sl(0, 1), sl(1, 2)] }).finish() },
      entry(encodeTensorNameSlice('p', [{ start: 0, length: 1 }, null]), 1, [1, 2], put(p0), p0),
      entry(encodeTensorNameSlice('p', [{ start: 1, length: 2 }, null]), 1, [2, 2], put(p1), p1),
    ];
    const data = new Uint8Array(off);
    let at = 0;
    for (const p of parts) {
      data.set(p, at);
      at += p.length;
    }
    return { index: table(entries, big), data };
  }
  for (const big of [false, true])
    it(big ? 'big-endian' : 'little-endian', async () => {
      const { index, data } = bundle(big);
      const ck = await readTfCheckpoint(bytesSource(index, 'x.index'), opener({ 'x.data-00000-of-00001': data }));
      const v = (n: string) => Array.from(ck.tensors.get(n)!.data);
      expect(v('a_f32')).toEqual([1.5, -2.25]);
      expect(v('b_f64')).toEqual([Math.fround(0.1), -7]);
      expect(v('c_i32')).toEqual([-5, 70000]);
      expect(v('d_i64')).toEqual([-9]);
      expect(v('e_f16')).toEqual([1, -2]);
      expect(v('f_bf16')).toEqual([1, -3]);
      expect(v('p')).toEqual([1, 2, 3, 4, 5, 6]);
      expect(ck.skipped).toEqual([{ name: 'g_complex', dtype: 'complex64', reason: 'dtype complex64 has no float32 form' }]);
      expect(ck.entries.map((e) => e.name)).toEqual(['a_f32', 'b_f64', 'c_i32', 'd_i64', 'e_f16', 'f_bf16', 'g_complex', 'p']);
    });
  it('a shape the index cannot hold is refused before reading', async () => {
    const bytes = new Uint8Array(4);
    const index = table([
      { key: new Uint8Array(0), value: BundleHeaderProto.encode({ num_shards: 1 }).finish() },
      entry('huge', 1, [1 << 20, 1 << 20], 0, bytes),
    ]);
    await expect(readTfCheckpoint(bytesSource(index, 'h.index'), opener({ 'h.data-00000-of-00001': bytes }))).rejects.toThrow(/h\.index: tensor huge: shape \[1048576,1048576\] declares .* elements/);
  });
});

describe('TF-slim InceptionV3 names onto the zoo InceptionV3 (shape-only)', () => {
  it('every slim scope matches the kernel size of the conv it maps to, and BN stats load', () => {
    const model = InceptionV3({ shapeOnly: true, includeTop: false });
    const convs = model.layers.filter((l) => l.className === 'Conv2D').sort((a, b) => +(/_(\d+)$/.exec(a.name)?.[1] ?? 0) - +(/_(\d+)$/.exec(b.name)?.[1] ?? 0));
    expect(convs.length).toBe(94);
    // slim names the two stride-2 3x3 convs of Mixed_6a "..._1x1" (a known slim quirk).
    const quirks = new Set(['Mixed_6a/Branch_0/Conv2d_1a_1x1', 'Mixed_6a/Branch_1/Conv2d_1a_1x1']);
    SLIM_INCEPTION_V3_SCOPES.forEach((scope, i) => {
      const k = /(\d)x(\d)$/.exec(scope)!;
      const ks = (convs[i] as unknown as { kernelSize: [number, number] }).kernelSize;
      expect(quirks.has(scope) ? [3, 3] : [+k[1], +k[2]], `${scope} -> ${convs[i].name}`).toEqual(ks);
    });
    const named: NamedTensors = new Map();
    const weightShape = new Map(model.weights.map((w) => [w.name, w.shape]));
    const add = (slim: string, keras: string) => {
      const shape = weightShape.get(keras)!;
      expect(shape, keras).toBeDefined();
      named.set(slim, hostTensor(slim, [...shape], new Float32Array(shape.reduce((a, b) => a * b, 1))));
    };
    const bns = model.layers.filter((l) => l.className === 'BatchNormalization').sort((a, b) => +(/_(\d+)$/.exec(a.name)?.[1] ?? 0) - +(/_(\d+)$/.exec(b.name)?.[1] ?? 0));
    SLIM_INCEPTION_V3_SCOPES.forEach((scope, i) => {
      for (const p of ['beta', 'moving_mean', 'moving_variance']) add(`InceptionV3/${scope}/BatchNorm/${p}`, `${bns[i].name}/${p}:0`);
    });
    add('InceptionV3/Conv2d_1a_3x3/weights', `${convs[0].name}/kernel:0`);
    named.set('InceptionV3/AuxLogits/Conv2d_2a_5x5/weights', hostTensor('InceptionV3/AuxLogits/Conv2d_2a_5x5/weights', [1], new Float32Array(1)));
    const rep = mapCheckpointToModel(model, named, { allowMissing: true });
    expect(rep.loaded.length).toBe(94 * 3 + 1);
    expect(rep.missing.length).toBe(93);
    expect(rep.unused).toEqual([]);
    expect(rep.ignored).toEqual(['InceptionV3/AuxLogits/Conv2d_2a_5x5/weights']);
  });
});

describe('name rules', () => {
  it('parses PATTERN=REPLACEMENT and drops with PATTERN=', async () => {
    const { parseNameRule, applyRules } = await import('../../src/loaders/tf-checkpoint/name-maps.ts');
    const rules = [parseNameRule('vgg_16/fc8/(weights|biases)=head/$1'), parseNameRule('aux/.*=')];
    expect(applyRules('vgg_16/fc8/weights', rules)).toBe('head/weights');
    expect(applyRules('aux/x', rules)).toBeNull();
    expect(applyRules('other', rules)).toBe('other');
    expect(() => parseNameRule('nope')).toThrow(/expected PATTERN=REPLACEMENT/);
  });
});
