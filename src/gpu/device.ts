// The engine's handle on one GPUDevice: limits and features, the buffer pool, the pipeline cache,
// and the single open compute pass that all dispatches of a step are recorded into. Nothing here
// knows about Node: the device comes from Dawn (src/node/dawn.ts) or from navigator.gpu.
import { BufferPool, TENSOR_USAGE } from './buffer-pool.ts';
import { PipelineCache, PARAMS_SLOT } from './pipeline-cache.ts';
import { BufferUsage, MapMode } from './constants.ts';
import { readSubgroupMatrixConfigs, type SubgroupMatrixConfig } from './subgroup-matrix.ts';

export interface AdapterDescription {
  vendor: string;
  architecture: string;
  description: string;
  /** vulkan | metal | d3d12 | opengles | browser | ... */
  backend: string;
  featureLevel: 'core' | 'compatibility';
  /** GPUAdapterInfo.subgroupMinSize / subgroupMaxSize (the subgroups feature); undefined if unknown. */
  subgroupMinSize?: number;
  subgroupMaxSize?: number;
  /** GPUAdapterInfo.subgroupMatrixConfigs (chromium-experimental-subgroup-matrix), copied field by field. */
  subgroupMatrixConfigs?: SubgroupMatrixConfig[];
}

/** Optional features the engine uses when the adapter has them. */
export const WANTED_FEATURES = ['shader-f16', 'subgroups', 'timestamp-query', 'chromium-experimental-subgroup-matrix'];

/** The limits the engine asks for: the adapter's own, not the WebGPU defaults. */
export const WANTED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxStorageBuffersPerShaderStage',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupsPerDimension',
] as const;

/** Requests a device from an adapter with its own limits and the optional features present. */
export async function requestEngineDevice(adapter: GPUAdapter, backend: string): Promise<Device> {
  const requiredFeatures = WANTED_FEATURES.filter((f) => adapter.features.has(f)) as GPUFeatureName[];
  const requiredLimits: Record<string, number> = {};
  for (const name of WANTED_LIMITS) requiredLimits[name] = (adapter.limits as unknown as Record<string, number>)[name];
  const gpu = await adapter.requestDevice({ requiredFeatures, requiredLimits, label: 'webgpu-finetune' });
  const info = adapter.info ?? ({} as GPUAdapterInfo);
  const compat = (adapter as unknown as { featureLevel?: string }).featureLevel === 'compatibility' || backend === 'opengles';
  return new Device(gpu, {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    description: info.description ?? '',
    backend,
    featureLevel: compat ? 'compatibility' : 'core',
    subgroupMinSize: info.subgroupMinSize,
    subgroupMaxSize: info.subgroupMaxSize,
    subgroupMatrixConfigs: readSubgroupMatrixConfigs(info),
  });
}

const ARENA_BYTES = 1 << 20;

export class Device {
  readonly pool: BufferPool;
  readonly pipelines: PipelineCache;
  readonly features: Set<string>;
  readonly limits: GPUSupportedLimits;
  /** Dispatches recorded since the last submit. */
  pending = 0;
  /** Total dispatches, for tests and the bench. */
  dispatches = 0;

  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  // Params of all dispatches since the last submit, uploaded once just before it.
  private arena: GPUBuffer;
  private arenaData = new ArrayBuffer(ARENA_BYTES);
  private arenaUsed = 0;
  private labels: string[] = [];
  private errors: string[] = [];
  private lostReason: string | null = null;
  private bindGroups = new Map<string, GPUBindGroup>();
  private bufferIds = new WeakMap<GPUBuffer, number>();
  private nextBufferId = 1;
  private staging: GPUBuffer[] = [];

  constructor(
    readonly gpu: GPUDevice,
    readonly adapter: AdapterDescription,
  ) {
    this.features = new Set([...gpu.features] as string[]);
    this.limits = gpu.limits;
    this.pool = new BufferPool(gpu, gpu.limits.maxBufferSize);
    this.pipelines = new PipelineCache(gpu);
    this.arena = gpu.createBuffer({ size: ARENA_BYTES, usage: BufferUsage.UNIFORM | BufferUsage.COPY_DST, label: 'params arena' });
    const onError = (ev: Event) => {
      const e = (ev as GPUUncapturedErrorEvent).error;
      this.errors.push(e?.message ?? String(ev));
    };
    if (typeof gpu.addEventListener === 'function') gpu.addEventListener('uncapturederror', onError);
    else (gpu as unknown as { onuncapturederror: unknown }).onuncapturederror = onError;
    gpu.lost.then((info) => {
      this.lostReason = `${info.reason}: ${info.message}`;
    });
  }

  get isCompatibility(): boolean {
    return this.adapter.featureLevel === 'compatibility';
  }

  /**
   * Whether the adapter runs shaders on the CPU (llvmpipe, SwiftShader, lavapipe, WARP; Dawn's
   * OpenGL ES backend here only ever finds Mesa's llvmpipe). Some kernels pick other register
   * blocks there: a CPU runs invocations as SIMD lanes and pays per loaded value, not per register.
   */
  get isSoftware(): boolean {
    const a = this.adapter;
    return /llvmpipe|swiftshader|lavapipe|software|microsoft basic render/i.test(`${a.vendor} ${a.architecture} ${a.description}`) || a.backend === 'opengles';
  }

  /** Acquires a pooled storage buffer for a tensor of `bytes` bytes. */
  allocate(bytes: number, label?: string): GPUBuffer {
    this.checkAlive();
    return this.pool.acquire(bytes, TENSOR_USAGE, label);
  }

  release(buffer: GPUBuffer): void {
    this.pool.release(buffer);
  }

  /** Records one compute dispatch into the open pass; nothing runs until flush(). */
  dispatchRaw(
    spec: import('./pipeline-cache.ts').KernelSpec,
    buffers: { buffer: GPUBuffer; size: number }[],
    params: ArrayBuffer,
    workgroups: [number, number, number],
    label: string,
  ): void {
    this.checkAlive();
    if (params.byteLength > PARAMS_SLOT) throw new Error(`${label}: params of ${params.byteLength} bytes exceed ${PARAMS_SLOT}`);
    const maxWg = this.limits.maxComputeWorkgroupsPerDimension;
    if (workgroups.some((w) => w > maxWg)) {
      throw new Error(`${label}: dispatch of ${workgroups.join('x')} workgroups exceeds the device limit ${maxWg} per dimension`);
    }
    if (workgroups.some((w) => w === 0)) return;
    if (this.arenaUsed + PARAMS_SLOT > ARENA_BYTES) this.flush();
    const kernel = this.pipelines.get(spec);
    const offset = this.arenaUsed;
    new Uint8Array(this.arenaData, offset, params.byteLength).set(new Uint8Array(params));
    this.arenaUsed += PARAMS_SLOT;

    let key = kernel.key;
    for (const b of buffers) key += `|${this.idOf(b.buffer)}:${b.size}`;
    let group = this.bindGroups.get(key);
    if (!group) {
      if (this.bindGroups.size > 20000) this.bindGroups.clear();
      const entries: GPUBindGroupEntry[] = buffers.map((b, i) => ({ binding: i, resource: { buffer: b.buffer, size: b.size } }));
      entries.push({ binding: buffers.length, resource: { buffer: this.arena, size: PARAMS_SLOT } });
      group = this.gpu.createBindGroup({ layout: kernel.layout, entries, label });
      this.bindGroups.set(key, group);
    }
    if (!this.pass) {
      // Keep the open encoder: copies recorded since the last pass must stay in order.
      if (!this.encoder) this.encoder = this.gpu.createCommandEncoder();
      this.pass = this.encoder.beginComputePass();
    }
    this.pass.setPipeline(kernel.pipeline);
    this.pass.setBindGroup(0, group, [offset]);
    this.pass.dispatchWorkgroups(workgroups[0], workgroups[1], workgroups[2]);
    this.pending++;
    this.dispatches++;
    if (this.labels.length < 64) this.labels.push(label);
  }

  /** Copies between buffers in stream order with the dispatches. */
  copy(src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, bytes: number): void {
    this.endPass();
    if (!this.encoder) this.encoder = this.gpu.createCommandEncoder();
    this.encoder.copyBufferToBuffer(src, srcOffset, dst, dstOffset, bytes);
    this.pending++;
  }

  private endPass(): void {
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
  }

  /** Submits everything recorded so far. Cheap; not a synchronization point. */
  flush(): void {
    this.endPass();
    if (!this.encoder) return;
    if (this.arenaUsed > 0) this.gpu.queue.writeBuffer(this.arena, 0, this.arenaData, 0, this.arenaUsed);
    this.gpu.queue.submit([this.encoder.finish()]);
    this.encoder = null;
    this.arenaUsed = 0;
    this.pending = 0;
  }

  /** Writes bytes into a buffer, after the work already recorded (which may still read it). */
  write(buffer: GPUBuffer, data: ArrayBufferView, offset = 0): void {
    this.checkAlive();
    this.flush();
    this.gpu.queue.writeBuffer(buffer, offset, data.buffer, data.byteOffset, data.byteLength);
  }

  /** Waits for the GPU and reports validation errors or device loss, naming recent kernels. */
  async sync(): Promise<void> {
    this.flush();
    await this.gpu.queue.onSubmittedWorkDone();
    this.throwErrors();
  }

  /** Reads `bytes` bytes of a buffer back to the CPU (a synchronization point). */
  async read(buffer: GPUBuffer, bytes: number, offset = 0): Promise<ArrayBuffer> {
    const size = Math.ceil(bytes / 4) * 4;
    const staging = this.takeStaging(size);
    this.endPass();
    if (!this.encoder) this.encoder = this.gpu.createCommandEncoder();
    this.encoder.copyBufferToBuffer(buffer, offset, staging, 0, size);
    this.flush();
    try {
      await staging.mapAsync(MapMode.READ, 0, size);
    } catch (e) {
      this.throwErrors();
      throw new Error(`reading a GPU buffer back failed: ${(e as Error).message}`);
    }
    const out = staging.getMappedRange(0, size).slice(0, bytes);
    staging.unmap();
    this.staging.push(staging);
    this.throwErrors();
    return out;
  }

  private takeStaging(size: number): GPUBuffer {
    const i = this.staging.findIndex((b) => b.size >= size && b.size <= size * 4);
    if (i >= 0) return this.staging.splice(i, 1)[0];
    if (this.staging.length > 8) this.staging.shift()!.destroy();
    return this.gpu.createBuffer({ size: Math.max(size, 256), usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST, label: 'staging' });
  }

  private idOf(b: GPUBuffer): number {
    let id = this.bufferIds.get(b);
    if (id === undefined) this.bufferIds.set(b, (id = this.nextBufferId++));
    return id;
  }

  private checkAlive(): void {
    if (this.lostReason) throw new Error(`the GPU device was lost (${this.lostReason}); create a new one`);
  }

  private throwErrors(): void {
    this.checkAlive();
    const labels = this.labels;
    this.labels = [];
    if (this.errors.length) {
      const msg = this.errors.splice(0).join('\n');
      throw new Error(`GPU error in one of the kernels [${labels.slice(-8).join('; ')}]: ${msg}`);
    }
  }

  /** Frees the pool's idle buffers and cached bind groups. */
  trim(): void {
    this.flush();
    this.bindGroups.clear();
    this.pool.trim();
  }

  destroy(): void {
    this.flush();
    this.gpu.destroy();
  }
}
