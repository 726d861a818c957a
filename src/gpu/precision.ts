// The arithmetic precision of a device's matmul and convolution kernels, chosen per run
// (`--precision f32|mixed|f16`):
//   f32    everything in float32 (the default).
//   mixed  the multiply operands of matmul and conv (forward, dgrad, wgrad) are rounded to f16 and
//          the products accumulated in f32; tensors, master weights, gradients and optimizer state
//          stay float32 (PyTorch autocast / Keras mixed_float16 semantics for the GEMMs).
//   f16    mixed, and the weights those kernels read are stored in f16 (half the bytes), a copy
//          derived from the float32 variable and refreshed when the variable changes.
// How f16 is realized depends on the adapter (see precisionSupport): tensor cores through
// `chromium-experimental-subgroup-matrix`, native `shader-f16`, or, on adapters with neither
// (the fallback), the same rounding emulated with pack2x16float/unpack2x16float, so that the
// accuracy of a precision can be measured on any machine.
import type { Device } from './device.ts';
import { canUseSubgroupMatrix } from './subgroup-matrix.ts';

export type Precision = 'f32' | 'mixed' | 'f16';
export const PRECISIONS: readonly Precision[] = ['f32', 'mixed', 'f16'];

const chosen = new WeakMap<Device, Precision>();

export function isPrecision(p: string): p is Precision {
  return (PRECISIONS as readonly string[]).includes(p);
}

/** Sets the precision of `device`'s matmul and conv kernels from now on. */
export function setPrecision(device: Device, p: Precision | string): void {
  if (!isPrecision(p)) throw new Error(`precision must be one of ${PRECISIONS.join(', ')}, got "${p}"`);
  chosen.set(device, p);
}

export function precisionOf(device: Device): Precision {
  return chosen.get(device) ?? 'f32';
}

/** How an adapter realizes f16 operands: `f16` native (shader-f16) or emulated with pack2x16float. */
export interface PrecisionSupport {
  f16: 'native' | 'emulated';
  /** Whether the tensor-core kernels run: `chromium-experimental-subgroup-matrix` with a usable f16 -> f32 configuration. */
  subgroupMatrix: boolean;
  /** What mixed/f16 runs on: tensor cores (subgroup matrices with f16), shader-f16, or the emulation. */
  realization: 'tensor-cores' | 'shader-f16' | 'emulated';
}

/** The realization `mixed` and `f16` would use on `device` (its enabled features). */
export function precisionSupport(device: Device): PrecisionSupport {
  const f16 = device.features.has('shader-f16') ? 'native' : 'emulated';
  // The feature alone is not enough: the adapter must list an f16 -> f32 configuration that fits.
  const subgroupMatrix = canUseSubgroupMatrix(device);
  return { f16, subgroupMatrix, realization: subgroupMatrix ? 'tensor-cores' : f16 === 'native' ? 'shader-f16' : 'emulated' };
}

/**
 * The prelude (wgsl/precision_*.wgsl, KernelSpec.prelude) a matmul or conv kernel is compiled
 * with under the device's precision: native where the adapter has shader-f16, emulated otherwise.
 * `halfWeights`: the dispatch binds the f16 copy of its weight (src/kernels/half-weights.ts);
 * variants that cannot read one pass false and run mixed under f16.
 */
export function precisionPrelude(device: Device, halfWeights: boolean): string {
  const p = precisionOf(device);
  if (p === 'f32') return 'precision_f32';
  const name = p === 'f16' && halfWeights ? 'precision_f16' : 'precision_mixed';
  return precisionSupport(device).f16 === 'native' ? `${name}_native` : name;
}
