// Float32 tensors in pooled GPU buffers, NHWC like Keras. A Tensor is a handle; its Storage is
// reference-counted so that views (reshape) and the tape's saved activations share one buffer,
// which goes back to the pool when the last handle is disposed.
import type { Device } from '../gpu/device.ts';
import type { GpuView } from '../gpu/dispatch.ts';
import { currentDevice } from './engine.ts';
import { track } from './scope.ts';
import type { TapeNode } from './tape.ts';

export type Shape = readonly number[];

export const sizeOf = (shape: Shape): number => shape.reduce((a, b) => a * b, 1);
export const shapeStr = (shape: Shape): string => `[${shape.join(',')}]`;

/** A buffer derived from a storage's values (its f16 copy), valid for one version of them. */
interface Derived {
  view: GpuView;
  version: number;
}

class Storage {
  refs = 1;
  /** Bumped whenever the values change (writes, optimizer steps: Variable.version). */
  version = 0;
  private derived = new Map<string, Derived>();
  constructor(
    readonly device: Device,
    readonly buffer: GPUBuffer,
    readonly bytes: number,
  ) {}
  retain(): void {
    this.refs++;
  }
  release(): void {
    if (--this.refs > 0) return;
    this.device.release(this.buffer);
    for (const d of this.derived.values()) this.device.release(d.view.buffer);
    this.derived.clear();
  }
  derive(key: string, bytes: number, fill: (dst: GpuView) => void): GpuView {
    let d = this.derived.get(key);
    if (!d) {
      const buffer = this.device.allocate(bytes, key);
      d = { view: { device: this.device, buffer, bindSize: Math.max(16, Math.ceil(bytes / 16) * 16) }, version: -1 };
      this.derived.set(key, d);
    }
    if (d.version !== this.version) {
      fill(d.view);
      d.version = this.version;
    }
    return d.view;
  }
}

let nextId = 1;

export class Tensor implements GpuView {
  readonly id = nextId++;
  readonly size: number;
  /** True when gradients flow to this tensor (a trainable variable or computed from one). */
  requiresGrad = false;
  /** The tape node that produced this tensor, when it requires a gradient. */
  node: TapeNode | null = null;
  private disposed = false;

  protected constructor(
    protected readonly storage: Storage,
    readonly shape: Shape,
    public name = '',
  ) {
    this.size = sizeOf(shape);
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) throw new Error(`tensor ${name || ''} has an invalid shape ${shapeStr(shape)}`);
    }
  }

  /** A new uninitialized tensor on the device (the current one unless given). */
  static empty(shape: Shape, name = '', device: Device = currentDevice()): Tensor {
    const bytes = Math.max(4, sizeOf(shape) * 4);
    const storage = new Storage(device, device.allocate(bytes, name || 'tensor'), bytes);
    return track(new Tensor(storage, [...shape], name));
  }

  /** Uploads data to a new tensor. */
  static from(data: ArrayLike<number>, shape: Shape, name = '', device: Device = currentDevice()): Tensor {
    if (data.length !== sizeOf(shape)) {
      throw new Error(`tensor ${name || ''}: ${data.length} values do not fill shape ${shapeStr(shape)}`);
    }
    const t = Tensor.empty(shape, name, device);
    t.write(data instanceof Float32Array ? data : Float32Array.from(data));
    return t;
  }

  get device(): Device {
    return this.storage.device;
  }
  get buffer(): GPUBuffer {
    this.assertAlive();
    return this.storage.buffer;
  }
  get bindSize(): number {
    return Math.max(16, Math.ceil(this.storage.bytes / 16) * 16);
  }
  get rank(): number {
    return this.shape.length;
  }
  get isDisposed(): boolean {
    return this.disposed;
  }

  write(data: Float32Array, offsetElements = 0): void {
    if (offsetElements + data.length > this.size) {
      throw new Error(`tensor ${this.name}: writing ${data.length} values at ${offsetElements} overflows ${shapeStr(this.shape)}`);
    }
    this.device.write(this.buffer, data, offsetElements * 4);
    this.storage.version++;
  }

  /**
   * A buffer of `bytes` derived from this tensor's values, such as its f16 copy
   * (src/kernels/half-weights.ts), cached on the storage under `key` and so shared by its views:
   * `fill` writes it the first time and again after the values change (a write, or a bump of a
   * Variable's `version`), and it is freed with the storage. Plain tensors are immutable once
   * computed; anything that changes a storage in place must bump its version.
   */
  derived(key: string, bytes: number, fill: (dst: GpuView) => void): GpuView {
    this.assertAlive();
    return this.storage.derive(key, bytes, fill);
  }

  /** Reads the values back (a synchronization point). */
  async data(): Promise<Float32Array> {
    this.assertAlive();
    return new Float32Array(await this.device.read(this.storage.buffer, this.size * 4));
  }

  /** A new handle on the same buffer with another shape of equal size. */
  reshape(shape: Shape): Tensor {
    const s = [...shape];
    const inferred = s.indexOf(-1);
    if (inferred >= 0) s[inferred] = this.size / sizeOf(s.filter((d) => d !== -1));
    if (sizeOf(s) !== this.size) {
      throw new Error(`reshape of ${this.name || 'tensor'} ${shapeStr(this.shape)} to ${shapeStr(shape)}: sizes differ`);
    }
    return this.view(s);
  }

  /** Another handle on the same storage (shares the buffer; each handle is disposed on its own). */
  view(shape: Shape = this.shape): Tensor {
    this.assertAlive();
    this.storage.retain();
    return track(new Tensor(this.storage, [...shape], this.name));
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.storage.release();
  }

  protected assertAlive(): void {
    if (this.disposed) throw new Error(`tensor ${this.name || '#' + this.id} ${shapeStr(this.shape)} was used after dispose()`);
  }

  toString(): string {
    return `Tensor(${this.name || '#' + this.id} ${shapeStr(this.shape)})`;
  }
}

/**
 * A parameter: a tensor that outlives scopes, with a Keras weight name ("conv1/kernel:0") and a
 * trainable flag. Gradients accumulate into `grad`.
 */
export class Variable extends Tensor {
  grad: Tensor | null = null;
  private _trainable = true;

  /** Bumped whenever the values change (assign, optimizer steps, moving-statistics updates), so caches of values derived from it (folded conv weights, f16 copies) know when to recompute. Kept on the storage, so views the tape saved share it. */
  get version(): number {
    return this.storage.version;
  }
  set version(v: number) {
    this.storage.version = v;
  }

  static create(data: ArrayLike<number>, shape: Shape, name: string, trainable = true, device: Device = currentDevice()): Variable {
    const bytes = Math.max(4, sizeOf(shape) * 4);
    const v = new Variable(new Storage(device, device.allocate(bytes, name), bytes), [...shape], name);
    v.trainable = trainable;
    v.assign(data);
    return v;
  }

  get trainable(): boolean {
    return this._trainable;
  }
  set trainable(t: boolean) {
    this._trainable = t;
    this.requiresGrad = t;
  }

  /** Replaces the values (same shape). */
  assign(data: ArrayLike<number>): void {
    if (data.length !== this.size) {
      throw new Error(`variable ${this.name}: expected ${this.size} values for shape ${shapeStr(this.shape)}, got ${data.length}`);
    }
    this.write(data instanceof Float32Array ? data : Float32Array.from(data));
  }

  zeroGrad(): void {
    this.grad?.dispose();
    this.grad = null;
  }
}
