// Browser edge: the engine's device from navigator.gpu (Chrome, Edge, or any WebGPU browser).
import { Device, requestEngineDevice } from './gpu/device.ts';
import { setDevice } from './graph/engine.ts';

export async function initBrowser(options: GPURequestAdapterOptions = { powerPreference: 'high-performance' }): Promise<Device> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) {
    throw new Error('this browser has no WebGPU (navigator.gpu is missing): use a recent Chrome or Edge, on https or localhost');
  }
  const adapter = await gpu.requestAdapter(options);
  if (!adapter) throw new Error('WebGPU is present but no adapter is available (GPU blocklisted or disabled)');
  const device = await requestEngineDevice(adapter, 'browser');
  setDevice(device);
  return device;
}
