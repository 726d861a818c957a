// Node edge: creates a Dawn device through the `webgpu` package. Tries the best real adapter
// first; when none exists (no GPU, no Vulkan driver), falls back to Dawn's OpenGL ES backend on
// Mesa's software rasterizer in WebGPU compatibility mode. WGFT_BACKEND and WGFT_DAWN_TOGGLES
// override the choice.
import { create, globals } from 'webgpu';
import { Device, requestEngineDevice } from '../gpu/device.ts';
import { setDevice } from '../graph/engine.ts';
import { setPrecision, type Precision } from '../gpu/precision.ts';

Object.assign(globalThis, globals);

export interface NodeDeviceOptions {
  backend?: string;
  toggles?: string;
  /** The matmul/conv precision (src/gpu/precision.ts); set on every call that names it, else left as is (f32 at first). */
  precision?: Precision;
}

// Dawn instances must stay referenced for as long as their devices live.
const instances: unknown[] = [];

async function tryAdapter(backend: string | null, toggles: string, compat: boolean): Promise<GPUAdapter | null> {
  const flags: string[] = [];
  if (backend) flags.push(`backend=${backend}`);
  if (toggles) flags.push(`enable-dawn-features=${toggles}`);
  if (backend === 'opengles' && !process.env.EGL_PLATFORM) process.env.EGL_PLATFORM = 'surfaceless';
  const gpu = create(flags);
  instances.push(gpu);
  const options: Record<string, unknown> = compat ? { featureLevel: 'compatibility' } : { powerPreference: 'high-performance' };
  const adapter = await gpu.requestAdapter(options as GPURequestAdapterOptions);
  return adapter ?? null;
}

function backendOf(adapter: GPUAdapter, requested: string | null): string {
  if (requested) return requested;
  const info = adapter.info as GPUAdapterInfo & { backendType?: string };
  const t = (info.backendType ?? '').toLowerCase();
  if (t) return t;
  return process.platform === 'darwin' ? 'metal' : process.platform === 'win32' ? 'd3d12' : 'vulkan';
}

let cached: Promise<Device> | null = null;

/** The process's device (created once), also made the engine's current device; `precision` applies to it. */
export function initNode(opts: NodeDeviceOptions = {}): Promise<Device> {
  if (!cached) {
    cached = createNodeDevice(opts).then((d) => {
      setDevice(d);
      return d;
    });
    cached.catch(() => (cached = null));
  }
  if (!opts.precision) return cached;
  const p = opts.precision;
  return cached.then((d) => {
    setPrecision(d, p);
    return d;
  });
}

export async function createNodeDevice(opts: NodeDeviceOptions = {}): Promise<Device> {
  const { adapter, backend } = await findNodeAdapter(opts);
  return requestEngineDevice(adapter, backend);
}

/**
 * The adapter the engine would run on, with its backend name. The bench hands the same choice
 * to tfjs-backend-webgpu (through a navigator.gpu shim) so that both run on one adapter.
 */
export async function findNodeAdapter(opts: NodeDeviceOptions = {}): Promise<{ adapter: GPUAdapter; backend: string; compat: boolean }> {
  const backend = opts.backend ?? process.env.WGFT_BACKEND ?? null;
  const toggles = opts.toggles ?? process.env.WGFT_DAWN_TOGGLES ?? '';
  const tried: string[] = [];
  const attempts: [string | null, boolean][] = backend
    ? [[backend, backend === 'opengles']]
    : [
        [null, false],
        ['opengles', true],
      ];
  for (const [b, compat] of attempts) {
    // A failing backend (missing driver) may throw or print; either way we go on to the next.
    let adapter: GPUAdapter | null = null;
    try {
      adapter = await tryAdapter(b, toggles, compat);
    } catch (e) {
      tried.push(`${b ?? 'default'}: ${(e as Error).message}`);
    }
    if (adapter) return { adapter, backend: backendOf(adapter, b), compat };
    tried.push(`${b ?? 'default'}: no adapter`);
  }
  throw new Error(
    `no WebGPU adapter could be created (${tried.join('; ')}). On a machine without a GPU install Mesa's ` +
      `OpenGL ES driver: apt-get install libegl1 libegl-mesa0 libgles2 libgl1-mesa-dri`,
  );
}
