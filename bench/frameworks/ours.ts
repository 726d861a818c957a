// webgpu-finetune runner: the bench's workloads on our engine, on the adapter initNode() picks.
import { initNode } from '../../src/node/dawn.ts';
import { Tensor } from '../../src/graph/tensor.ts';
import { matmul } from '../../src/kernels/matmul.ts';
import { findWorkload, makeRow, timeIt, type Workload } from '../workloads.ts';
import { emit, skipped, workloadArgs } from './protocol.ts';

const framework = 'webgpu-finetune';
const device = await initNode();

function randomTensor(shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = Math.random() * 2 - 1;
  return Tensor.from(data, shape);
}

async function measure(w: Workload, step: () => Promise<void>, note?: string): Promise<void> {
  const before = device.pool.stats.peakBytes;
  const ms = await timeIt(step);
  emit(makeRow(w, framework, ms, Math.max(before, device.pool.stats.peakBytes), note));
}

async function matmulBench(w: Workload, n: number) {
  const a = randomTensor([n, n]);
  const b = randomTensor([n, n]);
  await measure(w, async () => {
    const c = matmul(a, b);
    await device.sync();
    c.dispose();
  });
  a.dispose();
  b.dispose();
}

const handlers: Record<string, (w: Workload) => Promise<void>> = {};

for (const name of workloadArgs()) {
  const w = findWorkload(name);
  try {
    if (w.kind === 'matmul') await matmulBench(w, Number(name.split('-')[1]));
    else if (handlers[name]) await handlers[name](w);
    else emit(skipped(name, framework, 'not implemented yet'));
  } catch (e) {
    emit(skipped(name, framework, `failed: ${(e as Error).message.split('\n')[0]}`));
  }
}
process.exit(0);
