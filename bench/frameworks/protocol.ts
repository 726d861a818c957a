// How a framework runner talks to bench/run.ts: it gets the workload names as arguments and
// prints one line `ROW {json}` per measured (or skipped) workload on stdout.
import type { Row } from '../workloads.ts';

export function emit(row: Row): void {
  process.stdout.write(`ROW ${JSON.stringify(row)}\n`);
}

export function skipped(workload: string, framework: string, note: string): Row {
  return { workload, framework, median_ms: null, throughput: null, unit: '', gflops: null, peak_bytes: null, note };
}

export function workloadArgs(): string[] {
  const i = process.argv.indexOf('--workloads');
  return i >= 0 ? process.argv[i + 1].split(',').filter(Boolean) : [];
}

export function argValue(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
