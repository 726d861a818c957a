// Host-side checks of what a loss is given, before anything is uploaded: the GPU cannot throw,
// so a NaN input or an out-of-range label is caught here, with the op's name, while it is cheap.
import { Tensor, shapeStr, type Shape } from '../../graph/tensor.ts';

/** Targets: a tensor already on the GPU, or host values (checked, then uploaded). */
export type Target = Tensor | ArrayLike<number>;

/** Throws naming `op` and the first bad index when data holds NaN or infinity. */
export function assertFinite(data: ArrayLike<number>, op: string, what = 'input'): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) throw new Error(`${op}: ${what} holds ${data[i]} at index ${i}`);
  }
}

/** Throws unless every value is an integer class index in [0, classes). */
export function assertLabels(data: ArrayLike<number>, classes: number, op: string): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!Number.isInteger(v) || v < 0 || v >= classes) {
      throw new Error(`${op}: label ${v} at index ${i} is not a class index in [0, ${classes})`);
    }
  }
}

/** Checks host input data (finite, right size) and uploads it; for the fit and loss input paths. */
export function hostTensor(data: ArrayLike<number>, shape: Shape, op: string, what = 'input'): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  if (data.length !== n) throw new Error(`${op}: ${what} has ${data.length} values, shape ${shapeStr(shape)} needs ${n}`);
  assertFinite(data, op, what);
  return Tensor.from(data instanceof Float32Array ? data : Float32Array.from(data), shape, what);
}

/**
 * The target as a tensor of `size` values, and whether the caller must dispose it. Host labels
 * are checked against `classes` when given.
 */
export function targetTensor(y: Target, size: number, op: string, classes?: number): { t: Tensor; owned: boolean } {
  if (y instanceof Tensor) {
    if (y.size !== size) throw new Error(`${op}: target ${shapeStr(y.shape)} has ${y.size} values, expected ${size}`);
    return { t: y, owned: false };
  }
  if (y.length !== size) throw new Error(`${op}: target has ${y.length} values, expected ${size}`);
  assertFinite(y, op, 'target');
  if (classes !== undefined) assertLabels(y, classes, op);
  return { t: hostTensor(y, [size], op, 'target'), owned: true };
}
