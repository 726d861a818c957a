// f16 rounding on the CPU, for references of the kernels' mixed and f16 precisions.

/** x rounded to the nearest f16 (ties to even, subnormals, overflow to infinity), as pack2x16float. */
export function toHalf(x: number): number {
  const a = Math.abs(x);
  if (a === 0 || !Number.isFinite(a)) return x;
  if (a >= 65520) return Math.sign(x) * Infinity;
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  if (2 ** (e + 1) <= a) e++;
  const ulp = 2 ** (Math.max(e, -14) - 10);
  const r = a / ulp;
  let n = Math.floor(r);
  if (r - n > 0.5 || (r - n === 0.5 && n % 2 === 1)) n++;
  return Math.sign(x) * n * ulp;
}

/** Every value of v rounded to f16. */
export const halves = (v: Float64Array): Float64Array => v.map(toHalf);

/** The value of f16 bits (the loaders' decoder). */
export { halfToFloat as halfBitsToNumber } from '../../src/loaders/half-float.ts';
