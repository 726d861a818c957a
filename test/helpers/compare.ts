// Comparisons as ../shared/CONTRACTS.md defines "within T": max|ours - ref| <= T * max(1, max|ref|).
import { expect } from 'vitest';

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export function expectClose(ours: ArrayLike<number>, ref: ArrayLike<number>, tol: number, what = 'values'): void {
  expect(ours.length, `${what}: length`).toBe(ref.length);
  let maxRef = 0;
  for (let i = 0; i < ref.length; i++) maxRef = Math.max(maxRef, Math.abs(ref[i]));
  let worst = 0;
  let at = -1;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(ours[i] - ref[i]);
    if (!(d <= worst)) {
      worst = d;
      at = i;
    }
  }
  const limit = tol * Math.max(1, maxRef);
  if (!(worst <= limit)) {
    throw new Error(`${what}: max |diff| ${worst} at ${at} (ours ${ours[at]}, ref ${ref[at]}) exceeds ${limit}`);
  }
}
