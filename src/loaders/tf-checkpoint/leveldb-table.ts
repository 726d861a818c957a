// The LevelDB table format (an SSTable) as TensorFlow writes it for `.index` files (TensorBundle
// V2) and V1 checkpoints: data blocks of prefix-compressed key/value entries with restart points,
// an index block of separator keys -> block handles, a 48-byte footer ending in the table magic.
// Every block carries a 1-byte compression type (0 none, 1 snappy) and a masked crc32c.
// Reference: leveldb/doc/table_format.md, tensorflow/core/lib/io/{table,block,format}.cc.
import CRC32C from 'crc-32/crc32c';
import SnappyJS from 'snappyjs';
import type { ByteSource } from '../byte-source.ts';

export const TABLE_MAGIC = [0x57, 0xfb, 0x80, 0x8b, 0x24, 0x75, 0x47, 0xdb]; // 0xdb4775248b80fb57 LE
const FOOTER_SIZE = 48;
const TRAILER_SIZE = 5;
/** No TF index or V1 block comes near this; a larger declared size means a corrupt file. */
const MAX_BLOCK = 1 << 30;

// ---- crc32c as LevelDB/TF use it ----
export function crc32c(data: Uint8Array, seed?: number): number {
  return CRC32C.buf(data, seed) >>> 0;
}
const MASK_DELTA = 0xa282ead8;
export function maskCrc(crc: number): number {
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + MASK_DELTA) >>> 0;
}
export function unmaskCrc(masked: number): number {
  const rot = (masked - MASK_DELTA) >>> 0;
  return ((rot >>> 17) | (rot << 15)) >>> 0;
}

// ---- varints ----
export interface Cursor {
  buf: Uint8Array;
  pos: number;
}
/** Reads a varint up to 2^53 (offsets and sizes); throws `what` on overrun or a larger value. */
export function readVarint(c: Cursor, what: string): number {
  let result = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (c.pos >= c.buf.length) throw new Error(`${what}: varint runs past the end`);
    const b = c.buf[c.pos++];
    result += (b & 0x7f) * mul;
    if (!(b & 0x80)) {
      if (!Number.isSafeInteger(result)) throw new Error(`${what}: varint ${result} is too large`);
      return result;
    }
    mul *= 128;
  }
  throw new Error(`${what}: malformed varint`);
}
export function writeVarint(out: number[], v: number): void {
  while (v >= 0x80) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

export interface BlockHandle {
  offset: number;
  size: number;
}

export interface TableEntry {
  key: Uint8Array;
  value: Uint8Array;
}

/** Decodes one block's entries (the block without its trailer). */
export function blockEntries(block: Uint8Array, what: string): TableEntry[] {
  if (block.length < 4) throw new Error(`${what}: block of ${block.length} bytes is too short`);
  const dv = new DataView(block.buffer, block.byteOffset, block.byteLength);
  const numRestarts = dv.getUint32(block.length - 4, true);
  const restartsAt = block.length - 4 - 4 * numRestarts;
  if (numRestarts === 0 || restartsAt < 0) throw new Error(`${what}: block declares ${numRestarts} restart points, which it cannot hold`);
  const entries: TableEntry[] = [];
  const c: Cursor = { buf: block.subarray(0, restartsAt), pos: 0 };
  let prev: Uint8Array = new Uint8Array(0);
  while (c.pos < restartsAt) {
    const shared = readVarint(c, what);
    const nonShared = readVarint(c, what);
    const valueLen = readVarint(c, what);
    if (shared > prev.length || c.pos + nonShared + valueLen > restartsAt) {
      throw new Error(`${what}: entry at ${c.pos} (shared ${shared}, key ${nonShared}, value ${valueLen} bytes) runs past the block`);
    }
    const key = new Uint8Array(shared + nonShared);
    key.set(prev.subarray(0, shared));
    key.set(c.buf.subarray(c.pos, c.pos + nonShared), shared);
    c.pos += nonShared;
    const value = c.buf.subarray(c.pos, c.pos + valueLen);
    c.pos += valueLen;
    entries.push({ key, value });
    prev = key;
  }
  return entries;
}

function readHandle(c: Cursor, what: string): BlockHandle {
  return { offset: readVarint(c, what), size: readVarint(c, what) };
}

/** Reads a block through its handle: checks range, crc and decompresses. */
export async function readBlock(src: ByteSource, h: BlockHandle, what: string, stats?: TableStats): Promise<Uint8Array> {
  if (h.size > MAX_BLOCK || h.offset + h.size + TRAILER_SIZE > src.size) {
    throw new Error(`${src.name}: ${what} block at ${h.offset} of ${h.size} bytes lies beyond the end of the file (${src.size} bytes); the file is truncated or corrupt`);
  }
  const raw = await src.read(h.offset, h.size + TRAILER_SIZE);
  const data = raw.subarray(0, h.size);
  const type = raw[h.size];
  const stored = new DataView(raw.buffer, raw.byteOffset + h.size + 1, 4).getUint32(0, true);
  const actual = crc32c(raw.subarray(h.size, h.size + 1), crc32c(data));
  if (maskCrc(actual) !== stored) throw new Error(`${src.name}: ${what} block at ${h.offset} fails its crc32c check; the file is corrupt`);
  if (stats) {
    stats.blocks++;
    if (type === 1) stats.snappyBlocks++;
  }
  if (type === 0) return data;
  if (type === 1) {
    try {
      // Snappy expands at most ~21x (a 3-byte copy yields 64 bytes): a larger declared length is corrupt.
      return SnappyJS.uncompress(data, Math.min(MAX_BLOCK, 32 * data.length + 64)) as Uint8Array;
    } catch (e) {
      throw new Error(`${src.name}: ${what} block at ${h.offset}: bad snappy data (${(e as Error).message})`);
    }
  }
  throw new Error(`${src.name}: ${what} block at ${h.offset} has unknown compression type ${type}`);
}

export interface TableStats {
  blocks: number;
  snappyBlocks: number;
}

/** Reads every entry of a table, in key order; `stats` counts blocks and snappy blocks. */
export async function readTable(src: ByteSource, stats?: TableStats): Promise<TableEntry[]> {
  if (src.size < FOOTER_SIZE) {
    throw new Error(`${src.name}: ${src.size} bytes is too short for a TensorFlow table (needs a ${FOOTER_SIZE}-byte footer); the file is truncated or not a checkpoint`);
  }
  const footer = await src.read(src.size - FOOTER_SIZE, FOOTER_SIZE);
  if (!TABLE_MAGIC.every((b, i) => footer[40 + i] === b)) {
    throw new Error(`${src.name}: wrong magic number at the end of the file; not a TensorFlow checkpoint table (or truncated)`);
  }
  const c: Cursor = { buf: footer, pos: 0 };
  readHandle(c, `${src.name}: footer`); // metaindex: unused by TF
  const indexHandle = readHandle(c, `${src.name}: footer`);
  const index = blockEntries(await readBlock(src, indexHandle, 'index', stats), `${src.name}: index block`);
  const out: TableEntry[] = [];
  for (const e of index) {
    const h = readHandle({ buf: e.value, pos: 0 }, `${src.name}: index entry`);
    out.push(...blockEntries(await readBlock(src, h, 'data', stats), `${src.name}: data block at ${h.offset}`));
  }
  return out;
}

// ---- writer (tests, and users who want to write a bundle) ----

function buildBlock(entries: TableEntry[], restartInterval = 16): Uint8Array {
  const out: number[] = [];
  const restarts: number[] = [];
  let prev: Uint8Array = new Uint8Array(0);
  entries.forEach((e, i) => {
    let shared = 0;
    if (i % restartInterval === 0) restarts.push(out.length);
    else while (shared < prev.length && shared < e.key.length && prev[shared] === e.key[shared]) shared++;
    writeVarint(out, shared);
    writeVarint(out, e.key.length - shared);
    writeVarint(out, e.value.length);
    for (let k = shared; k < e.key.length; k++) out.push(e.key[k]);
    for (const b of e.value) out.push(b);
    prev = e.key;
  });
  if (!restarts.length) restarts.push(0);
  const u32 = (v: number) => out.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
  restarts.forEach(u32);
  u32(restarts.length);
  return Uint8Array.from(out);
}

/**
 * Writes a table holding `entries` (sorted by key by the caller), `perBlock` entries per data
 * block, optionally snappy-compressed.
 */
export function writeTable(entries: TableEntry[], opts: { perBlock?: number; snappy?: boolean } = {}): Uint8Array {
  const perBlock = opts.perBlock ?? 64;
  const parts: Uint8Array[] = [];
  let size = 0;
  const emit = (block: Uint8Array): BlockHandle => {
    let data: Uint8Array = block;
    let type = 0;
    if (opts.snappy) {
      data = SnappyJS.compress(block) as Uint8Array;
      type = 1;
    }
    const trailer = new Uint8Array(TRAILER_SIZE);
    trailer[0] = type;
    new DataView(trailer.buffer).setUint32(1, maskCrc(crc32c(trailer.subarray(0, 1), crc32c(data))), true);
    const h = { offset: size, size: data.length };
    parts.push(data, trailer);
    size += data.length + TRAILER_SIZE;
    return h;
  };
  const handleBytes = (h: BlockHandle) => {
    const o: number[] = [];
    writeVarint(o, h.offset);
    writeVarint(o, h.size);
    return Uint8Array.from(o);
  };
  const index: TableEntry[] = [];
  for (let i = 0; i < Math.max(1, entries.length); i += perBlock) {
    const chunk = entries.slice(i, i + perBlock);
    const h = emit(buildBlock(chunk));
    // The last key of the block is a valid separator.
    index.push({ key: chunk.length ? chunk[chunk.length - 1].key : new Uint8Array(0), value: handleBytes(h) });
  }
  const meta = emit(buildBlock([]));
  const idx = emit(buildBlock(index, 1));
  const footer = new Uint8Array(FOOTER_SIZE);
  const hb = [...handleBytes(meta), ...handleBytes(idx)];
  footer.set(hb);
  footer.set(TABLE_MAGIC, 40);
  parts.push(footer);
  const all = new Uint8Array(size + FOOTER_SIZE);
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return all;
}
