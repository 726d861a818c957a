// The real Dawn device for tests (the CPU fallback adapter on machines without a GPU).
import { initNode } from '../../src/node/dawn.ts';
import type { Device } from '../../src/gpu/device.ts';
import { Tensor } from '../../src/graph/tensor.ts';

export async function testDevice(): Promise<Device> {
  try {
    return await initNode();
  } catch (e) {
    throw new Error(`GPU tests need a WebGPU adapter: ${(e as Error).message}`);
  }
}

/** Uploads a Float64Array/number[] as a float32 tensor. */
export const upload = (data: ArrayLike<number>, shape: number[]): Tensor => Tensor.from(Float32Array.from(data), shape);
