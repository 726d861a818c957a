// TensorBundle V2 (tensorflow/core/util/tensor_bundle): `prefix.index`, a LevelDB table whose ""
// key holds a BundleHeaderProto and every other key a BundleEntryProto (dtype, shape, shard, offset,
// size, masked crc32c), and `prefix.data-NNNNN-of-NNNNN` shards of raw tensor bytes.
// Partitioned variables list `slices`; each slice is stored under its OrderedCode slice key.
import type { ByteSource } from '../byte-source.ts';
import { hostTensor, type NamedTensors } from '../named-tensors.ts';
import { readTable, crc32c, maskCrc, readVarint, writeTable, type TableEntry } from './leveldb-table.ts';
import { BundleEntryProto, BundleHeaderProto, decode, dtypeName, type ShapeProto, type SliceProto } from './protos.ts';
import { NUMERIC_SIZES, decodeRaw, elementCount, isNumeric, placeSlice, sliceExtents } from './dtypes.ts';
import { encodeTensorNameSlice } from './ordered-code.ts';

/** Opens a file beside the one being read, by its base name (a shard next to the `.index`). */
export type OpenSibling = (fileName: string) => Promise<ByteSource>;

export interface TfEntry {
  name: string;
  /** dtype name: float32, float16, bfloat16, int64, string, ... */
  dtype: string;
  shape: number[];
  /** Number of elements. */
  size: number;
}

export interface SkippedTensor {
  name: string;
  dtype: string;
  reason: string;
}

export interface TfCheckpointContents {
  format: 'v1' | 'v2';
  /** Every variable in the file (key order), numeric or not. */
  entries: TfEntry[];
  /** The numeric variables, as float32. */
  tensors: NamedTensors;
  /** Variables whose dtype has no float32 form (strings, resources, complex): listed, not loaded. */
  skipped: SkippedTensor[];
  /** DT_STRING variables read as byte strings (the TF2 object graph is one). */
  strings: Map<string, Uint8Array[]>;
}

interface RawEntry {
  dtype: number;
  shape: ShapeProto;
  shard_id: number;
  offset: number;
  size: number;
  crc32c: number;
  slices: SliceProto[];
}

export interface BundleIndex {
  name: string;
  numShards: number;
  littleEndian: boolean;
  /** Variable name -> entry, key order; slice entries are kept apart by raw key. */
  entries: Map<string, RawEntry>;
  sliceEntries: Map<string, RawEntry>;
}

const baseName = (p: string) => p.split(/[\\/]/).pop() ?? p;
const keyString = (k: Uint8Array) => String.fromCharCode(...k);
const pad5 = (n: number) => String(n).padStart(5, '0');

export function shardFileName(indexName: string, shard: number, numShards: number): string {
  return `${baseName(indexName).replace(/\.index$/, '')}.data-${pad5(shard)}-of-${pad5(numShards)}`;
}

export function shapeOf(s: ShapeProto | undefined, what: string): number[] {
  if (!s) return [];
  if (s.unknown_rank) throw new Error(`${what}: shape of unknown rank`);
  return s.dim.map((d) => d.size);
}

/** Reads and checks the `.index` table. */
export async function readBundleIndex(src: ByteSource): Promise<BundleIndex> {
  const table = await readTable(src);
  const head = table.find((e) => e.key.length === 0);
  if (!head) throw new Error(`${src.name}: no bundle header (empty key); not a TensorBundle V2 index`);
  const h = decode<{ num_shards: number; endianness: number }>(BundleHeaderProto, head.value, `${src.name}: header`);
  if (!(h.num_shards >= 1 && h.num_shards <= 100000)) throw new Error(`${src.name}: header declares ${h.num_shards} data shards`);
  const index: BundleIndex = { name: src.name, numShards: h.num_shards, littleEndian: h.endianness === 0, entries: new Map(), sliceEntries: new Map() };
  for (const e of table) {
    if (!e.key.length) continue;
    const isSlice = e.key[0] === 0;
    const name = isSlice ? keyString(e.key) : new TextDecoder().decode(e.key);
    const what = `${src.name}: tensor ${isSlice ? '(slice)' : name}`;
    const entry = decode<RawEntry>(BundleEntryProto, e.value, what);
    if (entry.shard_id < 0 || entry.shard_id >= index.numShards) throw new Error(`${what}: shard ${entry.shard_id} of ${index.numShards}`);
    if (!Number.isSafeInteger(entry.offset) || !Number.isSafeInteger(entry.size) || entry.offset < 0 || entry.size < 0) {
      throw new Error(`${what}: invalid offset ${entry.offset} / size ${entry.size}`);
    }
    (isSlice ? index.sliceEntries : index.entries).set(name, entry);
  }
  return index;
}

/** The list of variables (for `wgft inspect`), without reading any shard. */
export function bundleEntries(index: BundleIndex): TfEntry[] {
  return [...index.entries].map(([name, e]) => {
    const shape = shapeOf(e.shape, `${index.name}: tensor ${name}`);
    return { name, dtype: dtypeName(e.dtype), shape, size: elementCount(shape, `${index.name}: tensor ${name}`) };
  });
}

export interface ReadOptions {
  /** Only read variables for which this returns true (the rest are listed but not loaded). */
  only?: (name: string) => boolean;
}

/** Reads the variables of a V2 bundle; `openSibling` opens its data shards. */
export async function readBundle(src: ByteSource, openSibling: OpenSibling, opts: ReadOptions = {}): Promise<TfCheckpointContents> {
  const index = await readBundleIndex(src);
  const shards = new Map<number, Promise<ByteSource>>();
  const shard = (id: number, forTensor: string): Promise<ByteSource> => {
    if (!shards.has(id)) {
      const file = shardFileName(src.name, id, index.numShards);
      shards.set(
        id,
        openSibling(file).catch((e) => {
          throw new Error(`${src.name}: data shard ${file} is missing or unreadable (needed for tensor ${forTensor}): ${(e as Error).message}`);
        }),
      );
    }
    return shards.get(id)!;
  };
  const readBytes = async (name: string, e: RawEntry, strings = 0): Promise<Uint8Array> => {
    const s = await shard(e.shard_id, name);
    if (e.offset + e.size > s.size) {
      throw new Error(`${s.name}: tensor ${name} declares ${e.size} bytes at offset ${e.offset}, beyond the end of the shard (${s.size} bytes); the file is truncated or corrupt`);
    }
    const bytes = await s.read(e.offset, e.size);
    if ((strings ? stringTensorCrc(bytes, strings, `${s.name}: tensor ${name}`) : maskCrc(crc32c(bytes))) !== e.crc32c >>> 0) {
      throw new Error(`${s.name}: tensor ${name} fails its crc32c check (the data shard is corrupt)`);
    }
    return bytes;
  };

  const out: TfCheckpointContents = { format: 'v2', entries: bundleEntries(index), tensors: new Map(), skipped: [], strings: new Map() };
  for (const info of out.entries) {
    const e = index.entries.get(info.name)!;
    const what = `${src.name}: tensor ${info.name}`;
    if (opts.only && !opts.only(info.name)) continue;
    if (e.dtype === 7) {
      if (e.slices.length) throw new Error(`${what}: partitioned string tensors are not supported`);
      out.strings.set(info.name, readStringTensor(await readBytes(info.name, e, info.size), info.size, what));
      continue;
    }
    if (!isNumeric(e.dtype)) {
      out.skipped.push({ name: info.name, dtype: info.dtype, reason: `dtype ${info.dtype} has no float32 form` });
      continue;
    }
    const elt = NUMERIC_SIZES[e.dtype];
    if (!e.slices.length) {
      if (e.size !== info.size * elt) throw new Error(`${what}: shape [${info.shape}] of ${info.dtype} needs ${info.size * elt} bytes, the index says ${e.size}`);
      const data = decodeRaw(await readBytes(info.name, e), e.dtype, info.size, index.littleEndian);
      out.tensors.set(info.name, hostTensor(info.name, info.shape, data, info.dtype));
      continue;
    }
    // A partitioned variable: find and check every slice before allocating the whole.
    const parts = e.slices.map((sl) => {
      const ext = sliceExtents(sl, info.shape, what);
      const key = keyString(encodeTensorNameSlice(info.name, ext.map((x, i) => (x.start === 0 && x.length === info.shape[i] && sl.extent[i]?.length === undefined ? null : x))));
      const se = index.sliceEntries.get(key);
      if (!se) throw new Error(`${what}: slice ${ext.map((x) => `${x.start}:${x.start + x.length}`).join(',')} is listed but not stored`);
      const count = ext.reduce((a, x) => a * x.length, 1);
      if (se.size !== count * elt) throw new Error(`${what}: slice needs ${count * elt} bytes, the index says ${se.size}`);
      return { ext, se, count };
    });
    const stored = parts.reduce((a, p) => a + p.count, 0);
    if (stored !== info.size) throw new Error(`${what}: its slices hold ${stored} of its ${info.size} values`);
    for (const p of parts) {
      const s = await shard(p.se.shard_id, info.name);
      if (p.se.offset + p.se.size > s.size) throw new Error(`${s.name}: tensor ${info.name} declares a slice of ${p.se.size} bytes at offset ${p.se.offset}, beyond the end of the shard (${s.size} bytes)`);
    }
    const full = new Float32Array(info.size);
    for (const p of parts) placeSlice(full, info.shape, p.ext, decodeRaw(await readBytes(info.name, p.se), e.dtype, p.count, index.littleEndian));
    out.tensors.set(info.name, hostTensor(info.name, info.shape, full, info.dtype));
  }
  return out;
}

/**
 * The entry crc of a DT_STRING tensor: crc32c over each length as a little-endian uint32 (uint64 if larger), then
 * the stored 4-byte length checksum, then the string bytes (tensor_bundle.cc WriteStringTensor; lengths that fit take 4 bytes).
 */
function stringTensorCrc(bytes: Uint8Array, count: number, what: string): number {
  const c = { buf: bytes, pos: 0 };
  let crc = 0;
  let total = 0;
  const u64 = new Uint8Array(8);
  const dv = new DataView(u64.buffer);
  for (let i = 0; i < count; i++) {
    const n = readVarint(c, what);
    total += n;
    // Lengths below 2^32 enter the crc as uint32 (backwards compatibility), others as uint64.
    dv.setBigUint64(0, BigInt(n), true);
    crc = crc32c(n <= 0xffffffff ? u64.subarray(0, 4) : u64, crc);
  }
  if (c.pos + 4 + total > bytes.length) throw new Error(`${what}: string lengths exceed the tensor's ${bytes.length} bytes`);
  crc = crc32c(bytes.subarray(c.pos, c.pos + 4), crc);
  crc = crc32c(bytes.subarray(c.pos + 4, c.pos + 4 + total), crc);
  return maskCrc(crc);
}

/** DT_STRING layout: varint64 lengths, a masked crc32c of the lengths, then the bytes. */
function readStringTensor(bytes: Uint8Array, count: number, what: string): Uint8Array[] {
  const c = { buf: bytes, pos: 0 };
  const lengths: number[] = [];
  for (let i = 0; i < count; i++) lengths.push(readVarint(c, what));
  c.pos += 4;
  const strs: Uint8Array[] = [];
  for (const n of lengths) {
    if (c.pos + n > bytes.length) throw new Error(`${what}: string of ${n} bytes runs past the tensor's ${bytes.length} bytes`);
    strs.push(bytes.subarray(c.pos, c.pos + n));
    c.pos += n;
  }
  return strs;
}

// ---- writer: builds a bundle in memory (tests; exporting weights for TF users) ----

export interface BundleTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** Writes float32 tensors as a single-shard V2 bundle: the `.index` bytes and the data shard bytes. */
export function writeBundle(tensors: BundleTensor[], opts: { snappy?: boolean; perBlock?: number } = {}): { index: Uint8Array; data: Uint8Array } {
  const sorted = [...tensors].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const total = sorted.reduce((s, t) => s + t.data.length * 4, 0);
  const data = new Uint8Array(total);
  const entries: TableEntry[] = [{ key: new Uint8Array(0), value: BundleHeaderProto.encode({ num_shards: 1, endianness: 0, version: { producer: 1 } }).finish() }];
  let offset = 0;
  for (const t of sorted) {
    const bytes = new Uint8Array(t.data.buffer.slice(t.data.byteOffset, t.data.byteOffset + t.data.byteLength));
    data.set(bytes, offset);
    const value = BundleEntryProto.encode({
      dtype: 1,
      shape: { dim: t.shape.map((size) => ({ size })) },
      shard_id: 0,
      offset,
      size: bytes.length,
      crc32c: maskCrc(crc32c(bytes)),
    }).finish();
    entries.push({ key: new TextEncoder().encode(t.name), value });
    offset += bytes.length;
  }
  return { index: writeTable(entries, opts), data };
}
