// TensorFlow's OrderedCode key encoding (tensorflow/core/lib/strings/ordered_code.cc), used for
// the keys of V1 checkpoints and of partitioned-variable slices in V2 bundles:
//   NumIncreasing(0) String(name) NumIncreasing(rank) { SignedNumIncreasing(start) SignedNumIncreasing(length) }*
// A full extent is written as start = -1, length = -1.
import type { Extent } from './dtypes.ts';

const LENGTH_TO_HEADER: [number, number][] = [
  [0, 0], [0x80, 0], [0xc0, 0], [0xe0, 0], [0xf0, 0], [0xf8, 0], [0xfc, 0], [0xfe, 0], [0xff, 0], [0xff, 0x80], [0xff, 0xc0],
];
const LENGTH_TO_MASK: bigint[] = [
  0n, 0x80n, 0xc000n, 0xe00000n, 0xf0000000n, 0xf800000000n, 0xfc0000000000n, 0xfe000000000000n, 0xff00000000000000n, 0x8000000000000000n, 0n,
];

function writeNumIncreasing(out: number[], v: number): void {
  const bytes: number[] = [];
  let x = BigInt(v);
  while (x > 0n) {
    bytes.unshift(Number(x & 0xffn));
    x >>= 8n;
  }
  out.push(bytes.length, ...bytes);
}

function writeString(out: number[], s: Uint8Array): void {
  for (const b of s) {
    if (b === 0x00) out.push(0x00, 0xff);
    else if (b === 0xff) out.push(0xff, 0x00);
    else out.push(b);
  }
  out.push(0x00, 0x01);
}

function signedLength(x: bigint): number {
  // Bytes needed for a non-negative x (the sign-folded value) in the signed encoding.
  let bits = 0;
  while (x >> BigInt(bits) > 0n) bits++;
  return Math.floor(bits / 7) + 1; // kBitsToLength[Log2Floor64(x) + 1]
}

function writeSignedNumIncreasing(out: number[], val: number): void {
  const v = BigInt(val);
  const x = v < 0n ? ~v : v;
  if (x < 64n) {
    out.push((0x80 ^ Number(BigInt.asUintN(8, v))) & 0xff);
    return;
  }
  const len = signedLength(x);
  const buf = new Array<number>(10);
  const sign = v < 0n ? 0xff : 0;
  buf[0] = sign;
  buf[1] = sign;
  const u = BigInt.asUintN(64, v);
  for (let i = 0; i < 8; i++) buf[2 + i] = Number((u >> BigInt(8 * (7 - i))) & 0xffn);
  const begin = 10 - len;
  buf[begin] ^= LENGTH_TO_HEADER[len][0];
  buf[begin + 1] ^= LENGTH_TO_HEADER[len][1];
  out.push(...buf.slice(begin));
}

/** The key under which a tensor (or a slice of it) is stored. */
export function encodeTensorNameSlice(name: string, extents: (Extent | null)[]): Uint8Array {
  const out: number[] = [];
  writeNumIncreasing(out, 0);
  writeString(out, new TextEncoder().encode(name));
  writeNumIncreasing(out, extents.length);
  for (const e of extents) {
    writeSignedNumIncreasing(out, e ? e.start : -1);
    writeSignedNumIncreasing(out, e ? e.length : -1);
  }
  return Uint8Array.from(out);
}

function fail(what: string): never {
  throw new Error(`${what}: malformed tensor slice key`);
}

function readSignedNumIncreasing(k: Uint8Array, pos: number, what: string): [number, number] {
  if (pos >= k.length) fail(what);
  const xorMask = k[pos] & 0x80 ? 0 : 0xff;
  const first = k[pos] ^ xorMask;
  let len: number;
  let x: bigint;
  if (first !== 0xff) {
    len = Math.clz32(first ^ 0xff) - 24; // 7 - Log2Floor(first ^ 0xff)
    if (pos + len > k.length) fail(what);
    x = xorMask ? -1n : 0n;
    for (let i = 0; i < len; i++) x = (x << 8n) | BigInt(k[pos + i]);
  } else {
    len = 8;
    const second = (k[pos + 1] ?? fail(what)) ^ xorMask;
    if (second >= 0x80) {
      if (second < 0xc0) len = 9;
      else {
        const third = (k[pos + 2] ?? fail(what)) ^ xorMask;
        if (second === 0xc0 && third < 0x80) len = 10;
        else fail(what);
      }
    }
    if (pos + len > k.length) fail(what);
    x = 0n;
    for (let i = len - 8; i < len; i++) x = (x << 8n) | BigInt(k[pos + i]);
  }
  x = BigInt.asIntN(64, BigInt.asUintN(64, x) ^ LENGTH_TO_MASK[len]);
  return [Number(x), pos + len];
}

/** Decodes a slice key back to the tensor name and its extents (null = the full dimension). */
export function decodeTensorNameSlice(k: Uint8Array, what: string): { name: string; extents: (Extent | null)[] } {
  let pos = 0;
  if (k[pos++] !== 0) fail(what);
  const name: number[] = [];
  for (;;) {
    if (pos + 1 >= k.length) fail(what);
    const b = k[pos++];
    if (b === 0x00) {
      const n = k[pos++];
      if (n === 0x01) break;
      if (n === 0xff) name.push(0x00);
      else fail(what);
    } else if (b === 0xff) {
      if (k[pos++] !== 0x00) fail(what);
      name.push(0xff);
    } else name.push(b);
  }
  const nb = k[pos++];
  if (nb === undefined || nb > 8 || pos + nb > k.length) fail(what);
  let rank = 0;
  for (let i = 0; i < nb; i++) rank = rank * 256 + k[pos++];
  if (rank > 64) fail(what);
  const extents: (Extent | null)[] = [];
  for (let d = 0; d < rank; d++) {
    let start: number, length: number;
    [start, pos] = readSignedNumIncreasing(k, pos, what);
    [length, pos] = readSignedNumIncreasing(k, pos, what);
    extents.push(start === -1 && length === -1 ? null : { start, length });
  }
  return { name: new TextDecoder().decode(Uint8Array.from(name)), extents };
}
