// Browser edge: the engine's device from navigator.gpu (Chrome, Edge, or any WebGPU browser).
import { Device, requestEngineDevice } from './gpu/device.ts';
import { setDevice } from './graph/engine.ts';
import { setPrecision, type Precision } from './gpu/precision.ts';

/** Adapter options, plus the matmul/conv precision of the run (f32 unless named; src/gpu/precision.ts). */
export type BrowserDeviceOptions = GPURequestAdapterOptions & { precision?: Precision };

export async function initBrowser(options: BrowserDeviceOptions = {}): Promise<Device> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) {
    throw new Error('this browser has no WebGPU (navigator.gpu is missing): use a recent Chrome or Edge, on https or localhost');
  }
  const { precision, ...adapterOptions } = options;
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance', ...adapterOptions });
  if (!adapter) throw new Error('WebGPU is present but no adapter is available (GPU blocklisted or disabled)');
  const device = await requestEngineDevice(adapter, 'browser');
  if (precision) setPrecision(device, precision);
  setDevice(device);
  return device;
}
