// NumPy .npy arrays (format 1.0-3.0, C order): read to float32, write float32. Used by `wgft run`.
export interface NpyArray {
  shape: number[];
  dtype: string;
  data: Float32Array;
}

export function parseNpy(bytes: Uint8Array, name = 'array.npy'): NpyArray {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || !magic.every((b, i) => bytes[i] === b)) throw new Error(`${name}: not a .npy file (no \\x93NUMPY magic)`);
  const major = bytes[6];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hlen = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  const hstart = major === 1 ? 10 : 12;
  if (hstart + hlen > bytes.length) throw new Error(`${name}: truncated .npy header`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(hstart, hstart + hlen));
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*True/.test(header);
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || shapeText === undefined) throw new Error(`${name}: cannot parse the .npy header ${header.trim()}`);
  if (fortran) throw new Error(`${name}: Fortran-ordered arrays are not supported (save with np.ascontiguousarray)`);
  const shape = shapeText.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const n = shape.reduce((a, b) => a * b, 1);
  const off = hstart + hlen;
  const kinds: Record<string, [number, (o: number) => number]> = {
    f4: [4, (o) => dv.getFloat32(o, little)],
    f8: [8, (o) => dv.getFloat64(o, little)],
    f2: [2, (o) => f16(dv.getUint16(o, little))],
    i1: [1, (o) => dv.getInt8(o)],
    u1: [1, (o) => dv.getUint8(o)],
    b1: [1, (o) => dv.getUint8(o)],
    i2: [2, (o) => dv.getInt16(o, little)],
    u2: [2, (o) => dv.getUint16(o, little)],
    i4: [4, (o) => dv.getInt32(o, little)],
    u4: [4, (o) => dv.getUint32(o, little)],
    i8: [8, (o) => Number(dv.getBigInt64(o, little))],
    u8: [8, (o) => Number(dv.getBigUint64(o, little))],
  };
  const little = descr[0] !== '>';
  const k = kinds[descr.slice(1)];
  if (!k) throw new Error(`${name}: dtype ${descr} is not supported`);
  if (off + n * k[0] > bytes.length) throw new Error(`${name}: truncated: shape (${shape}) of ${descr} needs ${n * k[0]} bytes, the file has ${bytes.length - off}`);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = k[1](off + i * k[0]);
  return { shape, dtype: descr, data };
}

function f16(b: number): number {
  const s = b & 0x8000 ? -1 : 1;
  const e = (b >> 10) & 0x1f;
  const m = b & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** A float32 little-endian .npy (format 1.0). */
export function writeNpy(data: Float32Array, shape: readonly number[]): Uint8Array {
  const shapeStr = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeStr}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}
