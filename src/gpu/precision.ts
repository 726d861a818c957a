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
