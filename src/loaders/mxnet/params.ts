// MXNet NDArray list files (`nd.save`, Gluon `save_parameters`/`save_params`, Module checkpoints,
// `HybridBlock.export`): uint64 0x112, uint64 reserved, uint64 count, the arrays, uint64 name count,
// names (uint64 length + UTF-8). Per-array records: `legacy` (uint32 ndim + uint32 dims, no magic),
// v1 (0xF993FAC8, int32 ndim + int64 dims), v2 (0xF993FAC9, int32 storage type first), v3
// (0xF993FACA, numpy shapes: ndim -1 is "none", 0 a scalar); then int32 dev_type, int32 dev_id,
// int32 dtype flag, raw little-endian data. Values become float32 for the engine; the original
// dtype and bytes are kept so that a file can be written back byte for byte.
import type { ByteSource } from '../byte-source.ts';
import type { HostTensor, NamedTensors } from '../named-tensors.ts';
import { halfToFloat } from '../half-float.ts';

export const LIST_MAGIC = 0x112;
export const V1_MAGIC = 0xf993fac8;
export const V2_MAGIC = 0xf993fac9;
export const V3_MAGIC = 0xf993faca;

export type MxLayout = 'legacy' | 'v1' | 'v2' | 'v3';

/** MXNet's mshadow type flags. */
export const MX_DTYPES: Record<number, { name: string; bytes: number }> = {
  0: { name: 'float32', bytes: 4 },
  1: { name: 'float64', bytes: 8 },
  2: { name: 'float16', bytes: 2 },
  3: { name: 'uint8', bytes: 1 },
  4: { name: 'int32', bytes: 4 },
  5: { name: 'int8', bytes: 1 },
  6: { name: 'int64', bytes: 8 },
  7: { name: 'bool', bytes: 1 },
};
const DTYPE_FLAG: Record<string, number> = Object.fromEntries(Object.entries(MX_DTYPES).map(([k, v]) => [v.name, Number(k)]));
const STORAGE_NAMES: Record<number, string> = { 1: 'row_sparse', 2: 'csr' };

export interface MxTensor extends HostTensor {
  /** The record layout it was read with. */
  layout: MxLayout;
  /** [dev_type, dev_id] as stored (1, 0 is cpu(0)). */
  context: [number, number];
  /** The stored bytes (little-endian, `dtype`), for byte-exact rewrites of non-float32 arrays. */
  raw: Uint8Array;
  /** True for an empty ("none") NDArray record, which holds no shape and no data. */
  none?: boolean;
}

export interface MxParams {
  /** In file order; names are '' for an unnamed list. */
  tensors: MxTensor[];
  named: boolean;
  /** Named lists as a map (unnamed lists get '0', '1', ...). */
  map: NamedTensors;
}

const MAX_NDIM = 32;

/** Reads an NDArray list file. Every declared size is checked against the file before allocating. */
export async function readMxnetParams(src: ByteSource): Promise<MxParams> {
  const file = src.name;
  if (src.size >= 15) {
    const head = new TextDecoder().decode(await src.read(0, 15));
    if (head.startsWith('version https:')) {
      throw new Error(`${file}: this is a Git LFS pointer, not an MXNet parameter file; fetch the real file with 'git lfs pull'`);
    }
  }
  let pos = 0;
  const need = (n: number, what: string) => {
    if (pos + n > src.size) throw new Error(`${file}: truncated: ${what} needs ${n} bytes at offset ${pos}, the file has ${src.size}`);
  };
  const view = async (n: number, what: string): Promise<DataView> => {
    need(n, what);
    const b = await src.read(pos, n);
    pos += n;
    return new DataView(b.buffer, b.byteOffset, b.byteLength);
  };
  const u64 = async (what: string): Promise<number> => {
    const v = (await view(8, what)).getBigUint64(0, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`${file}: ${what} ${v} is impossibly large; the file is corrupt`);
    return Number(v);
  };
  const i64 = async (what: string): Promise<number> => {
    const v = (await view(8, what)).getBigInt64(0, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`${file}: ${what} ${v} is impossibly large; the file is corrupt`);
    return Number(v);
  };
  const i32 = async (what: string) => (await view(4, what)).getInt32(0, true);
  const u32 = async (what: string) => (await view(4, what)).getUint32(0, true);

  if (src.size < 24) throw new Error(`${file}: ${src.size} bytes is too short for an MXNet NDArray list (needs a 24-byte header)`);
  const magic = await u64('list magic');
  if (magic !== LIST_MAGIC) {
    throw new Error(`${file}: not an MXNet NDArray list file (magic 0x${magic.toString(16)}, expected 0x112)`);
  }
  await u64('reserved');
  const count = await u64('array count');
  // The smallest record is 4 (ndim) + ... bytes; a count the file cannot hold is refused at once.
  if (count * 4 > src.size - pos) throw new Error(`${file}: declares ${count} arrays, more than its ${src.size} bytes can hold`);

  const tensors: MxTensor[] = [];
  for (let i = 0; i < count; i++) {
    const label = `array ${i}`;
    const first = await u32(`${label} header`);
    let layout: MxLayout;
    let shape: number[] = [];
    let none = false;
    const dims64 = async (ndim: number) => {
      if (ndim < 0 || ndim > MAX_NDIM) throw new Error(`${file}: ${label}: ndim ${ndim} is invalid; the file is corrupt`);
      need(8 * ndim, `${label} shape`);
      const out: number[] = [];
      for (let d = 0; d < ndim; d++) out.push(await i64(`${label} dim ${d}`));
      return out;
    };
    if (first === V2_MAGIC || first === V3_MAGIC) {
      layout = first === V2_MAGIC ? 'v2' : 'v3';
      const stype = await i32(`${label} storage type`);
      if (stype !== 0) {
        throw new Error(`${file}: ${label} uses ${STORAGE_NAMES[stype] ?? `storage type ${stype}`} storage; only dense arrays are supported (convert with .tostype('default') before saving)`);
      }
      const ndim = await i32(`${label} ndim`);
      if (layout === 'v3' && ndim === -1) none = true;
      else {
        shape = await dims64(ndim);
        if (layout === 'v2' && ndim === 0) none = true;
      }
    } else if (first === V1_MAGIC) {
      layout = 'v1';
      const ndim = await u32(`${label} ndim`);
      shape = await dims64(ndim);
      none = ndim === 0;
    } else {
      layout = 'legacy';
      const ndim = first;
      if (ndim > MAX_NDIM) {
        throw new Error(`${file}: ${label}: unknown NDArray record magic 0x${first.toString(16)} (expected 0xf993fac8/9/a or a legacy ndim); the file is corrupt or not an MXNet file`);
      }
      need(4 * ndim, `${label} shape`);
      for (let d = 0; d < ndim; d++) shape.push(await u32(`${label} dim ${d}`));
      none = ndim === 0;
    }
    if (none) {
      tensors.push({ name: '', shape: [0], dtype: 'none', data: new Float32Array(0), layout, context: [1, 0], raw: new Uint8Array(0), none: true });
      continue;
    }
    for (const d of shape) if (d < 0) throw new Error(`${file}: ${label} has a negative dimension in [${shape}]; the file is corrupt`);
    const devType = await i32(`${label} context`);
    const devId = await i32(`${label} context`);
    const flag = await i32(`${label} dtype`);
    const dt = MX_DTYPES[flag];
    if (!dt) throw new Error(`${file}: ${label} has unknown dtype flag ${flag}`);
    const size = shape.reduce((a, b) => a * b, 1);
    const bytes = size * dt.bytes;
    if (!Number.isSafeInteger(bytes) || pos + bytes > src.size) {
      throw new Error(`${file}: truncated or corrupt: ${label} of shape [${shape}] (${dt.name}) needs ${bytes} bytes at offset ${pos}, the file has ${src.size - pos} left`);
    }
    const raw = await src.read(pos, bytes);
    pos += bytes;
    tensors.push({ name: '', shape, dtype: dt.name, data: toFloat32(raw, dt.name, size), layout, context: [devType, devId], raw });
  }
  const nameCount = await u64('name count');
  if (nameCount !== 0 && nameCount !== count) {
    throw new Error(`${file}: ${count} arrays but ${nameCount} names; the file is corrupt`);
  }
  for (let i = 0; i < nameCount; i++) {
    const len = await u64(`name ${i} length`);
    need(len, `name ${i}`);
    tensors[i].name = new TextDecoder().decode(await src.read(pos, len));
    pos += len;
  }
  const map: NamedTensors = new Map();
  tensors.forEach((t, i) => {
    const key = nameCount ? t.name : String(i);
    if (nameCount && map.has(key)) throw new Error(`${file}: the name ${key} appears twice`);
    map.set(key, t);
  });
  // Name errors in the per-array messages once the names are known would be nicer, but names come last.
  return { tensors, named: nameCount > 0, map };
}

/** Reads a list file and returns its tensors by name (the loader signature of src/loaders). */
export async function loadMxnetParams(src: ByteSource): Promise<NamedTensors> {
  return (await readMxnetParams(src)).map;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function toFloat32(raw: Uint8Array, dtype: string, n: number): Float32Array {
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = new Float32Array(n);
  switch (dtype) {
    case 'float32':
      if (LITTLE_ENDIAN) out.set(new Float32Array(raw.byteOffset % 4 ? raw.slice().buffer : raw.buffer, raw.byteOffset % 4 ? 0 : raw.byteOffset, n));
      else for (let i = 0; i < n; i++) out[i] = dv.getFloat32(4 * i, true);
      break;
    case 'float64':
      for (let i = 0; i < n; i++) out[i] = dv.getFloat64(8 * i, true);
      break;
    case 'float16':
      for (let i = 0; i < n; i++) out[i] = halfToFloat(dv.getUint16(2 * i, true));
      break;
    case 'uint8':
    case 'bool':
      for (let i = 0; i < n; i++) out[i] = raw[i];
      break;
    case 'int8':
      for (let i = 0; i < n; i++) out[i] = dv.getInt8(i);
      break;
    case 'int32':
      for (let i = 0; i < n; i++) out[i] = dv.getInt32(4 * i, true);
      break;
    case 'int64':
      for (let i = 0; i < n; i++) out[i] = Number(dv.getBigInt64(8 * i, true));
      break;
  }
  return out;
}


export interface MxWriteTensor {
  name: string;
  shape: readonly number[];
  /** float32 values (used when `raw` is absent). */
  data?: Float32Array;
  /** Stored bytes of `dtype` (default float32). */
  dtype?: string;
  raw?: Uint8Array;
  context?: [number, number];
}

/**
 * Writes a v2 NDArray list (what Gluon `save_parameters` writes and `load_parameters` reads).
 * `named` false writes an unnamed list (name count 0).
 */
export function writeMxnetParams(tensors: MxWriteTensor[], named = true): Uint8Array {
  const enc = new TextEncoder();
  const names = tensors.map((t) => enc.encode(t.name));
  const bodies = tensors.map((t) => {
    const dtype = t.dtype ?? 'float32';
    const flag = DTYPE_FLAG[dtype];
    if (flag === undefined) throw new Error(`writeMxnetParams: ${t.name}: dtype ${dtype} cannot be written`);
    const n = t.shape.reduce((a, b) => a * b, 1);
    let raw = t.raw;
    if (!raw) {
      if (dtype !== 'float32' || !t.data) throw new Error(`writeMxnetParams: ${t.name}: give float32 data or raw bytes`);
      raw = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    }
    if (raw.byteLength !== n * MX_DTYPES[flag].bytes) throw new Error(`writeMxnetParams: ${t.name}: ${raw.byteLength} bytes do not fill [${t.shape}] of ${dtype}`);
    return { t, flag, raw };
  });
  let size = 24 + 8;
  for (const b of bodies) size += 4 + 4 + 4 + 8 * b.t.shape.length + 12 + b.raw.byteLength;
  if (named) for (const n of names) size += 8 + n.byteLength;
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  let p = 0;
  const u64 = (v: number) => {
    dv.setBigUint64(p, BigInt(v), true);
    p += 8;
  };
  const i32 = (v: number) => {
    dv.setInt32(p, v, true);
    p += 4;
  };
  u64(LIST_MAGIC);
  u64(0);
  u64(bodies.length);
  for (const { t, flag, raw } of bodies) {
    dv.setUint32(p, V2_MAGIC, true);
    p += 4;
    i32(0); // dense storage
    i32(t.shape.length);
    for (const d of t.shape) {
      dv.setBigInt64(p, BigInt(d), true);
      p += 8;
    }
    const [devType, devId] = t.context ?? [1, 0];
    i32(devType);
    i32(devId);
    i32(flag);
    out.set(raw, p);
    p += raw.byteLength;
  }
  u64(named ? names.length : 0);
  if (named) {
    for (const n of names) {
      u64(n.byteLength);
      out.set(n, p);
      p += n.byteLength;
    }
  }
  return out;
}
