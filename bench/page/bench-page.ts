// The bench in a browser page (bench/frameworks/page.ts builds it with esbuild, serves it on
// 127.0.0.1 and drives it with headless Chromium). `?fw=ours` loads our engine through
// src/browser.ts, `?fw=tfjs` loads tfjs-core + tfjs-backend-webgpu + tfjs-layers; each framework
// gets its own page, so its own GPUDevice on the browser's adapter. window.bench.run(name)
// measures one workload with the same timeIt/makeRow as the Node runners and returns its row.
import { findWorkload, type Row, type Workload } from '../workloads.ts';

export interface PageRunner {
  /** The framework name the rows carry, e.g. `webgpu-finetune (chromium)`. */
  framework: string;
  run(w: Workload): Promise<Row | null>;
}

export interface BrowserAdapter {
  vendor: string;
  architecture: string;
  description: string;
  backend: string;
}

interface BenchState {
  ready: boolean;
  error: string | null;
  framework: string;
  adapter: BrowserAdapter | null;
  userAgent: string;
  run(name: string): Promise<Row>;
}

declare global {
  interface Window {
    bench: BenchState;
  }
}

const skippedRow = (workload: string, framework: string, note: string): Row => ({ workload, framework, median_ms: null, throughput: null, unit: '', gflops: null, peak_bytes: null, note });

/** The adapter as the page sees it (vendor/architecture/description from GPUAdapterInfo). */
async function adapterInfo(): Promise<BrowserAdapter> {
  const gpu = navigator.gpu;
  if (!gpu) throw new Error('navigator.gpu is missing (no WebGPU in this browser)');
  const a = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!a) throw new Error('WebGPU is present but no adapter is available');
  const info = a.info ?? ({} as GPUAdapterInfo);
  const [vendor, architecture] = [info.vendor ?? '', info.architecture ?? ''];
  // Chromium leaves the description empty unless asked for unmasked info: name it by vendor/architecture.
  return { vendor, architecture, description: info.description || `${vendor} ${architecture}`.trim(), backend: 'chromium' };
}

const state: BenchState = {
  ready: false,
  error: null,
  framework: '',
  adapter: null,
  userAgent: navigator.userAgent,
  run: async (name) => skippedRow(name, state.framework, 'page not ready'),
};
window.bench = state;

async function main(): Promise<void> {
  const fw = new URLSearchParams(location.search).get('fw') ?? 'ours';
  state.adapter = await adapterInfo();
  const where = `chromium ${state.adapter.architecture || state.adapter.vendor || 'webgpu'}`;
  const runner: PageRunner = fw === 'tfjs' ? await (await import('./tfjs.ts')).setup() : await (await import('./ours.ts')).setup();
  state.framework = runner.framework;
  state.run = async (name) => {
    const w = findWorkload(name);
    try {
      const row = await runner.run(w);
      if (!row) return skippedRow(name, runner.framework, `not in the page bench (${where})`);
      row.note = [where, row.note].filter(Boolean).join('; ');
      return row;
    } catch (e) {
      return skippedRow(name, runner.framework, `failed (${where}): ${String((e as Error)?.message ?? e).split('\n')[0]}`);
    }
  };
  state.ready = true;
  document.body.textContent = `bench page: ${runner.framework} on ${JSON.stringify(state.adapter)}`;
}

main().catch((e) => {
  state.error = String((e as Error)?.message ?? e);
  document.body.textContent = `bench page error: ${state.error}`;
});
