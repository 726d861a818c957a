// The one way an op reaches the GPU: dispatch(kernel, inputs, outputs, params, workgroups).
// Every WGSL file binds its inputs (read-only storage) first, then its outputs (read-write
// storage), then one `params` uniform; `params` here lists that struct's fields in order.
import type { Device } from './device.ts';
import type { KernelSpec } from './pipeline-cache.ts';

/** Anything backed by a GPU buffer: tensors implement it. */
export interface GpuView {
  readonly device: Device;
  readonly buffer: GPUBuffer;
  /** Bytes to bind, a multiple of 4 (16 for vec4 access). */
  readonly bindSize: number;
}

/** A params field: a plain number is a u32, `i32(x)` and `f32(x)` tag the other WGSL types. */
export type Param = number | { i32: number } | { f32: number };
export const i32 = (v: number): Param => ({ i32: v });
export const f32 = (v: number): Param => ({ f32: v });

export function packParams(fields: Param[]): ArrayBuffer {
  // Uniform structs of 4-byte scalars are laid out densely; round up to 16 bytes.
  const buf = new ArrayBuffer(Math.max(16, Math.ceil((fields.length * 4) / 16) * 16));
  const dv = new DataView(buf);
  fields.forEach((f, i) => {
    if (typeof f === 'number') {
      if (!Number.isInteger(f) || f < 0 || f > 0xffffffff) throw new Error(`params field ${i} = ${f} is not a u32`);
      dv.setUint32(i * 4, f, true);
    } else if ('i32' in f) dv.setInt32(i * 4, f.i32, true);
    else dv.setFloat32(i * 4, f.f32, true);
  });
  return buf;
}

/** Workgroups needed to cover `n` items with `size` threads each. */
export const groups = (n: number, size: number): number => Math.ceil(n / size);

/**
 * Splits a 1-D count of workgroups over x and y when it exceeds the per-dimension limit;
 * shaders then recover the linear index as `wid.x + wid.y * num_workgroups.x`.
 */
export function grid1d(device: Device, workgroupCount: number): [number, number, number] {
  const max = device.limits.maxComputeWorkgroupsPerDimension;
  if (workgroupCount <= max) return [workgroupCount, 1, 1];
  const y = Math.ceil(workgroupCount / max);
  return [Math.ceil(workgroupCount / y), y, 1];
}

export function dispatch(
  kernel: KernelSpec,
  inputs: GpuView[],
  outputs: GpuView[],
  params: Param[],
  workgroups: [number, number, number],
  label?: string,
): void {
  const device = (outputs[0] ?? inputs[0]).device;
  if (inputs.length !== kernel.inputs || outputs.length !== kernel.outputs) {
    throw new Error(
      `${label ?? kernel.shader}: kernel ${kernel.shader} takes ${kernel.inputs} inputs and ${kernel.outputs} outputs, got ${inputs.length} and ${outputs.length}`,
    );
  }
  const buffers = [...inputs, ...outputs].map((v) => ({ buffer: v.buffer, size: v.bindSize }));
  device.dispatchRaw(kernel, buffers, packParams(params), workgroups, label ?? kernel.shader);
}
