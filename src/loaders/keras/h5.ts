// Thin, checked access to HDF5 through h5wasm. The core never opens paths itself: it takes an
// opened h5wasm File (Node: src/node/h5.ts opens one straight from disk through h5wasm/node) or
// bytes (browser, zips: written into h5wasm's in-memory FS). Every h5wasm failure becomes one
// error that names the file; the header is checked first, so truncated or foreign files never
// reach the HDF5 library.
import type { ByteSource } from '../byte-source.ts';
import { hostTensor, type HostTensor } from '../named-tensors.ts';
import { halfToFloat } from '../half-float.ts';

/** The parts of h5wasm's File/Group/Dataset we use (duck-typed: Node and ESM builds differ). */
export interface H5Node {
  type: string;
  path: string;
  attrs: Record<string, { value: unknown; dtype: unknown; shape: number[] | null }>;
  keys?(): string[];
  get?(name: string): H5Node | null;
  shape?: number[] | null;
  dtype?: unknown;
  metadata?: { size: number; type: number; total_size: number; littleEndian: boolean; signed: boolean };
  filters?: unknown[];
  value?: unknown;
  close?(): unknown;
  create_group?(name: string): H5Node;
  create_dataset?(args: { name: string; data: unknown; shape?: number[] | null; dtype?: string | null }): H5Node;
  create_attribute?(name: string, data: unknown, shape?: number[] | null, dtype?: string | null): void;
  flush?(): void;
}

/** An opened HDF5 file with the name used in messages and the file's byte size. */
export interface H5Handle {
  name: string;
  root: H5Node;
  size: number;
  close(): void;
}

export interface H5Lib {
  File: new (path: string, mode?: string) => H5Node;
  ready: Promise<{ FS?: unknown; activate_throwing_error_handler?: () => number }>;
}

const SIG = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** Last HDF5 diagnostic line ("truncated file: ..."), without the C source location. */
export function h5Reason(e: unknown): string {
  const msg = String((e as Error)?.message ?? e);
  const lines = msg.split('\n').filter((l) => /#\d+:/.test(l));
  const last = lines[lines.length - 1];
  if (!last) return msg.split('\n')[0].slice(0, 300);
  return last.replace(/^.*?\(\):\s*/, '').trim();
}

export function wrapH5<T>(name: string, what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof H5FormatError) throw e;
    throw new H5FormatError(`${name}: cannot ${what}: ${h5Reason(e)}`);
  }
}

export class H5FormatError extends Error {}

/**
 * Checks the HDF5 superblock against the file: signature present, declared end of file within
 * the bytes there are. Throws one clear error naming the file otherwise.
 */
export async function checkHdf5Header(src: ByteSource): Promise<void> {
  if (src.size < 8) throw new H5FormatError(`${src.name}: not an HDF5 file (only ${src.size} bytes)`);
  for (let base = 0; base + 8 <= src.size; base = base === 0 ? 512 : base * 2) {
    const head = await src.read(base, Math.min(64, src.size - base));
    if (!SIG.every((b, i) => head[i] === b)) {
      if (base === 0 && (head[0] === 0x50 && head[1] === 0x4b)) throw new H5FormatError(`${src.name}: not an HDF5 file (it is a zip archive; a .keras file?)`);
      continue;
    }
    const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
    const version = head[8];
    let eof: number | null = null;
    let baseAddr = 0;
    const rd = (off: number, size: number): number => {
      if (off + size > head.length) return NaN;
      if (size === 8) return Number(dv.getBigUint64(off, true));
      if (size === 4) return dv.getUint32(off, true);
      return NaN;
    };
    if (version === 0 || version === 1) {
      const so = head[13];
      let off = version === 0 ? 24 : 28;
      baseAddr = rd(off, so);
      eof = rd(off + 2 * so, so);
    } else if (version === 2 || version === 3) {
      const so = head[9];
      baseAddr = rd(12, so);
      eof = rd(12 + 2 * so, so);
    } else {
      throw new H5FormatError(`${src.name}: HDF5 superblock version ${version} is not supported`);
    }
    if (eof !== null && Number.isFinite(eof) && eof !== 2 ** 64 - 1 && baseAddr + eof > src.size) {
      throw new H5FormatError(`${src.name}: truncated HDF5 file: it has ${src.size} bytes but its header says ${baseAddr + eof}`);
    }
    return;
  }
  const start = await src.read(0, Math.min(16, src.size));
  const text = Array.from(start).map((c) => (c >= 32 && c < 127 ? String.fromCharCode(c) : '.')).join('');
  throw new H5FormatError(`${src.name}: not an HDF5 file (no HDF5 signature; it starts with "${text}")`);
}

let memLib: Promise<H5Lib> | null = null;
/** h5wasm's environment-neutral build (in-memory FS). */
export function memoryH5(): Promise<H5Lib> {
  if (!memLib) {
    memLib = import('h5wasm').then(async (m) => {
      const lib = (m.default ?? m) as unknown as H5Lib;
      const mod = await lib.ready;
      mod.activate_throwing_error_handler?.();
      return lib;
    });
  }
  return memLib;
}

let memCounter = 0;
/** Opens HDF5 bytes (browser, zip members) through h5wasm's in-memory file system. */
export async function openH5Bytes(src: ByteSource): Promise<H5Handle> {
  await checkHdf5Header(src);
  const lib = await memoryH5();
  const FS = (await lib.ready).FS as { writeFile(p: string, d: Uint8Array): void; unlink(p: string): void };
  const path = `/wgft_${++memCounter}.h5`;
  FS.writeFile(path, await src.read(0, src.size));
  const root = wrapH5(src.name, 'open it as HDF5', () => new lib.File(path, 'r'));
  return {
    name: src.name,
    root,
    size: src.size,
    close() {
      try {
        root.close?.();
      } finally {
        FS.unlink(path);
      }
    },
  };
}

/** Writes an HDF5 file in memory with `build` and returns its bytes. */
export async function writeH5Bytes(build: (root: H5Node) => void): Promise<Uint8Array> {
  const lib = await memoryH5();
  const FS = (await lib.ready).FS as { readFile(p: string): Uint8Array; unlink(p: string): void };
  const path = `/wgft_out_${++memCounter}.h5`;
  const f = new lib.File(path, 'w');
  try {
    build(f);
  } finally {
    f.close?.();
  }
  const bytes = FS.readFile(path).slice();
  FS.unlink(path);
  return bytes;
}

// ---- reading helpers -------------------------------------------------------------------------

export function child(h: H5Handle, g: H5Node, name: string): H5Node | null {
  return wrapH5(h.name, `read ${g.path}/${name}`, () => (g.keys!().includes(name) ? g.get!(name) : null));
}

export function keysOf(h: H5Handle, g: H5Node): string[] {
  return wrapH5(h.name, `list ${g.path}`, () => (g.type === 'Group' || g.keys ? g.keys!() : []));
}

function decode(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return new TextDecoder().decode(v).replace(/\0+$/, '');
  return String(v);
}

export function hasAttr(h: H5Handle, node: H5Node, name: string): boolean {
  return wrapH5(h.name, `read attributes of ${node.path}`, () => Object.prototype.hasOwnProperty.call(node.attrs, name));
}

/** A string attribute (fixed or variable length, bytes or str), or null when absent. */
export function attrString(h: H5Handle, node: H5Node, name: string): string | null {
  return wrapH5(h.name, `read attribute ${name} of ${node.path}`, () => {
    const a = node.attrs[name];
    if (!a) return null;
    const v = a.value;
    if (Array.isArray(v)) return v.length ? decode(v[0]) : '';
    return decode(v);
  });
}

/** A list-of-strings attribute (layer_names, weight_names); [] for an empty one, null when absent. */
export function attrStrings(h: H5Handle, node: H5Node, name: string): string[] | null {
  return wrapH5(h.name, `read attribute ${name} of ${node.path}`, () => {
    const a = node.attrs[name];
    if (!a) return null;
    const v = a.value;
    if (v === null || v === undefined) return [];
    if (Array.isArray(v)) return v.map(decode);
    if (typeof v === 'string') return [v];
    if (ArrayBuffer.isView(v)) return (v as unknown as ArrayLike<number>).length === 0 ? [] : [decode(v)];
    return [];
  });
}


/** Reads a numeric dataset as float32 (checked against the file's size first). */
export function readDataset(h: H5Handle, ds: H5Node, name: string): HostTensor {
  return wrapH5(h.name, `read dataset ${ds.path}`, () => {
    const md = ds.metadata!;
    const shape = (ds.shape ?? []).slice();
    const n = shape.reduce((a, b) => a * b, 1);
    if (!Number.isSafeInteger(n) || n < 0) throw new H5FormatError(`${h.name}: dataset ${ds.path} declares shape [${shape}]`);
    const bytes = n * md.size;
    const compressed = (ds.filters?.length ?? 0) > 0;
    if (bytes > (compressed ? 1024 * h.size + (1 << 20) : h.size) || bytes > 2 ** 31) {
      throw new H5FormatError(`${h.name}: dataset ${ds.path} declares shape [${shape}] (${bytes} bytes), more than the file (${h.size} bytes) can hold`);
    }
    if (md.type !== 0 && md.type !== 1) throw new H5FormatError(`${h.name}: dataset ${ds.path} is not numeric`);
    const v = ds.value as ArrayLike<number> | Uint8Array | bigint;
    let data: Float32Array;
    let dtype = md.type === 1 ? `float${md.size * 8}` : `${md.signed ? 'int' : 'uint'}${md.size * 8}`;
    if (v instanceof Float32Array) data = v;
    else if (md.type === 1 && md.size === 2 && v instanceof Uint8Array) {
      const u16 = new Uint16Array(v.buffer, v.byteOffset, v.byteLength / 2);
      data = Float32Array.from(u16, halfToFloat);
    } else if (typeof v === 'bigint' || typeof v === 'number') data = Float32Array.of(Number(v));
    else if (v instanceof BigInt64Array || v instanceof BigUint64Array) data = Float32Array.from(v as unknown as bigint[], Number);
    else data = Float32Array.from(v as ArrayLike<number>);
    if (data.length !== n) throw new H5FormatError(`${h.name}: dataset ${ds.path} holds ${data.length} values for shape [${shape}]`);
    return hostTensor(name, shape, data, dtype);
  });
}

/** Resolves a slash path below `g` (null when any part is missing). */
export function at(h: H5Handle, g: H5Node, path: string): H5Node | null {
  let cur: H5Node | null = g;
  for (const part of path.split('/').filter(Boolean)) {
    if (!cur || cur.type !== 'Group') return null;
    cur = child(h, cur, part);
  }
  return cur;
}
