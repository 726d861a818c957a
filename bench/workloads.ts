// The bench's workloads, named as issue 10 names them. Each framework runner implements the
// ones it can; `needsGpu` rows run only on a real GPU adapter (not on the CPU fallback).
import type { Precision } from '../src/gpu/precision.ts';

export interface Workload {
  name: string;
  kind: 'matmul' | 'conv' | 'step' | 'forward' | 'bottleneck';
  /** Floating-point operations of one repeat (for GFLOP/s), when well defined. */
  flops?: number;
  /** Items one repeat processes, and their unit, for the throughput column. */
  items: number;
  unit: string;
  needsGpu: boolean;
  /** Frameworks that cannot run it (e.g. tfjs-wasm trains no convolutions). */
  skip?: string[];
}

const matmul = (n: number): Workload => ({
  name: `matmul-${n}`,
  kind: 'matmul',
  flops: 2 * n ** 3,
  items: 2 * n ** 3 * 1e-9,
  unit: 'GFLOP',
  needsGpu: n > 1024,
});

/** Conv layers benchmarked alone: [model, layer, input H, W, Cin, kernel, Cout, stride, padding]. */
export const CONV_LAYERS: [string, string, number, number, number, number, number, number, 'same' | 'valid'][] = [
  ['vgg16', 'block1_conv2', 48, 48, 64, 3, 64, 1, 'same'],
  ['vgg16', 'block3_conv2', 12, 12, 256, 3, 256, 1, 'same'],
  ['vgg16', 'block5_conv3', 3, 3, 512, 3, 512, 1, 'same'],
  ['inceptionv3', 'conv2d_5', 20, 20, 80, 3, 192, 1, 'valid'],
  ['mobilenet', 'conv_pw_7', 14, 14, 128, 1, 128, 1, 'same'],
];

function convWorkloads(): Workload[] {
  const out: Workload[] = [];
  for (const [model, layer, h, w, ci, k, co, s] of CONV_LAYERS) {
    const batch = 8;
    const ho = Math.ceil(h / s);
    const wo = Math.ceil(w / s);
    const flops = 2 * batch * ho * wo * co * ci * k * k;
    for (const pass of ['fwd', 'dgrad', 'wgrad']) {
      out.push({ name: `conv-${model}-${layer}-${pass}`, kind: 'conv', flops, items: flops * 1e-9, unit: 'GFLOP', needsGpu: false, skip: pass === 'fwd' ? [] : ['tfjs-wasm'] });
    }
  }
  return out;
}

export const WORKLOADS: Workload[] = [
  matmul(512),
  matmul(1024),
  matmul(4096),
  ...convWorkloads(),
  { name: 'vgg16-48-freeze15-step-b8', kind: 'step', items: 8, unit: 'img', needsGpu: false, skip: ['tfjs-wasm'] },
  { name: 'vgg16-48-forward-b8', kind: 'forward', items: 8, unit: 'img', needsGpu: false },
  { name: 'vgg16-224-freeze15-step-b32', kind: 'step', items: 32, unit: 'img', needsGpu: true, skip: ['tfjs-wasm'] },
  { name: 'vgg16-224-forward-b32', kind: 'forward', items: 32, unit: 'img', needsGpu: true },
  { name: 'inceptionv3-84-freeze64-step-b8', kind: 'step', items: 8, unit: 'img', needsGpu: false, skip: ['tfjs-wasm'] },
  { name: 'mobilenet-v1-0.25-224-head-step-b8', kind: 'step', items: 8, unit: 'img', needsGpu: false, skip: ['tfjs-wasm'] },
  { name: 'bottleneck-epoch-head', kind: 'bottleneck', items: 256, unit: 'img', needsGpu: false, skip: ['tfjs-wasm', 'tfjs-webgpu', 'torch-cpu', 'torch-cuda'] },
  { name: 'bottleneck-epoch-vgg16-48', kind: 'bottleneck', items: 256, unit: 'img', needsGpu: false, skip: ['tfjs-wasm', 'tfjs-webgpu', 'torch-cpu', 'torch-cuda'] },
];

export const FRAMEWORKS = ['webgpu-finetune', 'tfjs-webgpu', 'tfjs-wasm', 'torch-cpu', 'torch-cuda'] as const;
export type Framework = (typeof FRAMEWORKS)[number];

export function findWorkload(name: string): Workload {
  const w = WORKLOADS.find((x) => x.name === name);
  if (!w) throw new Error(`unknown workload '${name}'; known: ${WORKLOADS.map((x) => x.name).join(', ')}`);
  return w;
}

/** One measured row, as written to bench/results/*.json. */
export interface Row {
  workload: string;
  framework: string;
  median_ms: number | null;
  throughput: number | null;
  unit: string;
  gflops: number | null;
  peak_bytes: number | null;
  note?: string;
  /** Our engine's `--precision` for the row; absent (older files, other frameworks) means f32. */
  precision?: Precision;
}

/** Median of repeats after warm-up; repeats until `minRepeats` and `minMs` are reached. */
export async function timeIt(run: () => Promise<void>, opts: { warmup?: number; minRepeats?: number; minMs?: number; maxRepeats?: number } = {}): Promise<number> {
  const { warmup = 1, minRepeats = 3, minMs = 1500, maxRepeats = 20 } = opts;
  for (let i = 0; i < warmup; i++) await run();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < minRepeats || (performance.now() - start < minMs && times.length < maxRepeats)) {
    const t0 = performance.now();
    await run();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

export function makeRow(w: Workload, framework: string, ms: number, peakBytes: number | null, note?: string): Row {
  return {
    workload: w.name,
    framework,
    median_ms: +ms.toFixed(3),
    throughput: +(w.items / (ms / 1000)).toFixed(3),
    unit: `${w.unit}/s`,
    gflops: w.flops ? +(w.flops / ms / 1e6).toFixed(3) : null,
    peak_bytes: peakBytes,
    ...(note ? { note } : {}),
  };
}
