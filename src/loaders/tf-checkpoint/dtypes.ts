// TensorFlow dtypes -> float32: the element sizes and the byte decoders the V2 bundle reader uses
// (raw little- or big-endian bytes) and the V1 reader uses (TensorProto repeated fields).
import { dtypeName, type TensorProtoObj } from './protos.ts';
import { halfToFloat } from '../half-float.ts';

/** Bytes per element of the dtypes converted to float32 (TF DataType enum -> size). */
export const NUMERIC_SIZES: Record<number, number> = {
  1: 4, // float32
  2: 8, // float64
  3: 4, // int32
  4: 1, // uint8
  5: 2, // int16
  6: 1, // int8
  9: 8, // int64
  10: 1, // bool
  14: 2, // bfloat16
  17: 2, // uint16
  19: 2, // float16
  22: 4, // uint32
  23: 8, // uint64
};

export const isNumeric = (dtype: number): boolean => dtype in NUMERIC_SIZES;


const bf16 = new Float32Array(1);
const bf16u = new Uint32Array(bf16.buffer);
export function bfloat16ToFloat(h: number): number {
  bf16u[0] = (h & 0xffff) << 16;
  return bf16[0];
}

/** Decodes `count` elements of raw tensor bytes into float32. */
export function decodeRaw(bytes: Uint8Array, dtype: number, count: number, littleEndian: boolean): Float32Array {
  const out = new Float32Array(count);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = littleEndian;
  switch (dtype) {
    case 1:
      if (le && bytes.byteOffset % 4 === 0) out.set(new Float32Array(bytes.buffer, bytes.byteOffset, count));
      else for (let i = 0; i < count; i++) out[i] = dv.getFloat32(4 * i, le);
      break;
    case 2: for (let i = 0; i < count; i++) out[i] = dv.getFloat64(8 * i, le); break;
    case 3: for (let i = 0; i < count; i++) out[i] = dv.getInt32(4 * i, le); break;
    case 4: case 10: for (let i = 0; i < count; i++) out[i] = bytes[i]; break;
    case 5: for (let i = 0; i < count; i++) out[i] = dv.getInt16(2 * i, le); break;
    case 6: for (let i = 0; i < count; i++) out[i] = dv.getInt8(i); break;
    case 9: for (let i = 0; i < count; i++) out[i] = Number(dv.getBigInt64(8 * i, le)); break;
    case 14: for (let i = 0; i < count; i++) out[i] = bfloat16ToFloat(dv.getUint16(2 * i, le)); break;
    case 17: for (let i = 0; i < count; i++) out[i] = dv.getUint16(2 * i, le); break;
    case 19: for (let i = 0; i < count; i++) out[i] = halfToFloat(dv.getUint16(2 * i, le)); break;
    case 22: for (let i = 0; i < count; i++) out[i] = dv.getUint32(4 * i, le); break;
    case 23: for (let i = 0; i < count; i++) out[i] = Number(dv.getBigUint64(8 * i, le)); break;
    default: throw new Error(`dtype ${dtypeName(dtype)} cannot be converted to float32`);
  }
  return out;
}

/**
 * Values of a TensorProto (V1 checkpoints store slices this way): `tensor_content` if present, else
 * the typed repeated field, which must hold exactly the slice's values.
 */
export function decodeTensorProto(p: TensorProtoObj, dtype: number, count: number, what: string): Float32Array {
  if (p.tensor_content && p.tensor_content.length) {
    const need = count * (NUMERIC_SIZES[dtype] ?? 0);
    if (p.tensor_content.length !== need) throw new Error(`${what}: tensor_content holds ${p.tensor_content.length} bytes, the shape needs ${need}`);
    return decodeRaw(p.tensor_content, dtype, count, true);
  }
  let vals: ArrayLike<number>;
  switch (dtype) {
    case 1: vals = p.float_val; break;
    case 2: vals = p.double_val; break;
    case 3: case 4: case 5: case 6: case 17: vals = p.int_val; break;
    case 9: vals = p.int64_val; break;
    case 10: vals = p.bool_val.map(Number); break;
    case 14: vals = p.half_val.map(bfloat16ToFloat); break;
    case 19: vals = p.half_val.map(halfToFloat); break;
    case 22: vals = p.uint32_val; break;
    case 23: vals = p.uint64_val; break;
    default: throw new Error(`${what}: dtype ${dtypeName(dtype)} cannot be converted to float32`);
  }
  if (vals.length !== count) throw new Error(`${what}: holds ${vals.length} values, its slice needs ${count}`);
  return Float32Array.from(vals);
}

/** Product of dims, refusing negative, non-integer or absurd shapes (more than 2^31 elements). */
export function elementCount(shape: number[], what: string): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new Error(`${what}: invalid dimension ${d} in shape [${shape}]`);
    n *= d;
  }
  if (n > 2 ** 31) throw new Error(`${what}: shape [${shape}] declares ${n} elements, more than can be loaded`);
  return n;
}

export interface Extent {
  start: number;
  length: number;
}

/** Full extents of a slice proto against `shape` (a missing length means the whole dimension). */
export function sliceExtents(slice: { extent: { start: number; length?: number }[] } | undefined, shape: number[], what: string): Extent[] {
  const ext = slice?.extent ?? [];
  if (ext.length && ext.length !== shape.length) throw new Error(`${what}: slice has ${ext.length} dimensions, the tensor ${shape.length}`);
  return shape.map((d, i) => {
    const e = ext[i];
    const start = e?.start ?? 0;
    const length = e?.length ?? d - start;
    if (start < 0 || length < 0 || start + length > d) throw new Error(`${what}: slice [${start}, ${start + length}) does not fit dimension ${i} of size ${d}`);
    return { start, length };
  });
}

/** Copies a slice's values (row-major over its extents) into the full tensor. */
export function placeSlice(full: Float32Array, shape: number[], ext: Extent[], vals: Float32Array): void {
  const rank = shape.length;
  if (rank === 0) {
    full[0] = vals[0];
    return;
  }
  const strides = new Array<number>(rank);
  let s = 1;
  for (let i = rank - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  const inner = ext[rank - 1].length;
  const idx = new Array<number>(rank - 1).fill(0);
  let src = 0;
  const rows = vals.length / Math.max(inner, 1);
  for (let r = 0; r < rows; r++) {
    let dst = ext[rank - 1].start;
    for (let i = 0; i < rank - 1; i++) dst += (ext[i].start + idx[i]) * strides[i];
    full.set(vals.subarray(src, src + inner), dst);
    src += inner;
    for (let i = rank - 2; i >= 0; i--) {
      if (++idx[i] < ext[i].length) break;
      idx[i] = 0;
    }
  }
}
