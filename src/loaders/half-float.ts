// IEEE 754 half-precision values as files store them (Keras float16 datasets, TF DT_HALF tensors,
// MXNet float16 arrays): 16 bits to a number.
export function halfToFloat(bits: number): number {
  const s = bits & 0x8000 ? -1 : 1;
  const e = (bits >> 10) & 0x1f;
  const m = bits & 0x3ff;
  if (e === 0) return s * m * 2 ** -24; // zero and subnormals
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}
