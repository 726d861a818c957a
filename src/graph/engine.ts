// The device that new tensors go to when none is named. Set once by the environment's entry
// point (src/node/dawn.ts in Node, web/ in a browser); the core never creates a device itself.
import type { Device } from '../gpu/device.ts';

let current: Device | null = null;

export function setDevice(device: Device): void {
  current = device;
}

export function currentDevice(): Device {
  if (!current) {
    throw new Error('no GPU device: call initNode() (Node) or initBrowser() (browser) before creating tensors');
  }
  return current;
}

export function hasDevice(): boolean {
  return current !== null;
}
