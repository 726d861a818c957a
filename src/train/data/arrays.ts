// In-memory arrays as a Dataset: x [N, ...inputShape] and y [N] (class indices) or [N, k]
// (one-hot or regression targets). The validation split takes the last fraction, as Keras's
// fit(validation_split=...) does.
import type { Dataset } from './image-folder.ts';

export interface ArrayDataset extends Dataset {
  x: Float32Array;
  y: Float32Array;
  /** [train, validation]: the last `fraction` of the samples held out (validation null for 0). */
  split(fraction: number): [ArrayDataset, ArrayDataset | null];
}

export function arrayDataset(x: ArrayLike<number>, xShape: number[], y: ArrayLike<number>, yShape: number[] = [xShape[0]]): ArrayDataset {
  const n = xShape[0];
  const per = xShape.slice(1).reduce((a, b) => a * b, 1);
  if (x.length !== n * per) throw new Error(`arrays: x has ${x.length} values, shape [${xShape}] needs ${n * per}`);
  if (yShape[0] !== n) throw new Error(`arrays: x has ${n} samples but y has ${yShape[0]}`);
  const targetSize = yShape.slice(1).reduce((a, b) => a * b, 1);
  if (y.length !== n * targetSize) throw new Error(`arrays: y has ${y.length} values, shape [${yShape}] needs ${n * targetSize}`);
  const xf = x instanceof Float32Array ? x : Float32Array.from(x);
  const yf = y instanceof Float32Array ? y : Float32Array.from(y);
  const ds: ArrayDataset = {
    size: n,
    inputShape: xShape.slice(1),
    targetSize,
    x: xf,
    y: yf,
    async get(i: number) {
      if (i < 0 || i >= n) throw new Error(`arrays: sample ${i} out of range 0..${n - 1}`);
      return { x: xf.subarray(i * per, (i + 1) * per), y: targetSize === 1 ? yf[i] : yf.subarray(i * targetSize, (i + 1) * targetSize) };
    },
    split(fraction: number) {
      if (fraction < 0 || fraction >= 1) throw new Error(`validation split must be in [0, 1), got ${fraction}`);
      const nVal = Math.trunc(n * fraction);
      if (!nVal) return [ds, null];
      const cut = n - nVal;
      const part = (a: number, b: number) =>
        arrayDataset(xf.subarray(a * per, b * per), [b - a, ...xShape.slice(1)], yf.subarray(a * targetSize, b * targetSize), [b - a, ...yShape.slice(1)]);
      return [part(0, cut), part(cut, n)];
    },
  };
  return ds;
}
