// IDX files (MNIST, Fashion-MNIST): magic 0x00 0x00 TYPE RANK, RANK big-endian u32 dims, then
// the values big-endian. Takes bytes (gzip or not: gzip is recognized by its magic 1f 8b).
import { gunzipSync } from 'fflate';

export interface IdxArray {
  shape: number[];
  /** The values; Uint8Array for the usual unsigned-byte files. */
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

const TYPES: Record<number, { name: string; bytes: number }> = {
  0x08: { name: 'ubyte', bytes: 1 },
  0x09: { name: 'byte', bytes: 1 },
  0x0b: { name: 'short', bytes: 2 },
  0x0c: { name: 'int', bytes: 4 },
  0x0d: { name: 'float', bytes: 4 },
  0x0e: { name: 'double', bytes: 8 },
};

export function parseIdx(input: Uint8Array, what = 'IDX file'): IdxArray {
  let bytes = input;
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw new Error(`${what}: gzip data is corrupt or truncated (${(e as Error).message})`);
    }
  }
  if (bytes.length < 4) throw new Error(`${what}: ${bytes.length} bytes is too short for an IDX header`);
  const type = TYPES[bytes[2]];
  if (bytes[0] !== 0 || bytes[1] !== 0 || !type) {
    const hex = [...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new Error(`${what}: bad magic ${hex} (an IDX file starts with 00 00, a type code 08/09/0b/0c/0d/0e, and the rank)`);
  }
  const rank = bytes[3];
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) throw new Error(`${what}: truncated header (rank ${rank} needs ${headerBytes} bytes, got ${bytes.length})`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape = Array.from({ length: rank }, (_, i) => dv.getUint32(4 + 4 * i, false));
  const count = shape.reduce((a, b) => a * b, 1);
  const need = headerBytes + count * type.bytes;
  if (bytes.length < need) {
    throw new Error(`${what}: truncated data: shape [${shape.join(',')}] of ${type.name} needs ${need} bytes, the file has ${bytes.length}`);
  }
  const body = bytes.subarray(headerBytes, need);
  if (type.bytes === 1) {
    return { shape, data: bytes[2] === 0x08 ? Uint8Array.from(body) : new Int8Array(Uint8Array.from(body).buffer) };
  }
  const bd = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const out = bytes[2] === 0x0b ? new Int16Array(count) : bytes[2] === 0x0c ? new Int32Array(count) : bytes[2] === 0x0d ? new Float32Array(count) : new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const o = i * type.bytes;
    out[i] = bytes[2] === 0x0b ? bd.getInt16(o, false) : bytes[2] === 0x0c ? bd.getInt32(o, false) : bytes[2] === 0x0d ? bd.getFloat32(o, false) : bd.getFloat64(o, false);
  }
  return { shape, data: out };
}

/** Images [n, rows, cols] of bytes as float32 in [0, 1], flattened per image ([n, rows * cols]), first `limit`. */
export function idxImagesToFloat(a: IdxArray, limit = a.shape[0]): { x: Float32Array; shape: [number, number] } {
  if (a.shape.length < 2) throw new Error(`IDX images: expected [n, rows, cols], got [${a.shape.join(',')}]`);
  const n = Math.min(limit, a.shape[0]);
  const per = a.shape.slice(1).reduce((x, y) => x * y, 1);
  const x = new Float32Array(n * per);
  for (let i = 0; i < n * per; i++) x[i] = a.data[i] / 255;
  return { x, shape: [n, per] };
}
