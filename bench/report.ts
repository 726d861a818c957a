// Markdown tables from bench results: one table per adapter (its newest results file), with
// each row's ratio to tfjs-webgpu on the same workload (>1 means faster than tfjs-webgpu).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Row } from './workloads.ts';

export interface Result {
  adapter: { vendor: string; architecture: string; description: string; backend: string };
  date: string;
  rows: Row[];
}

const fmt = (v: number | null, digits = 1) => (v === null ? '' : v >= 100 ? v.toFixed(0) : v.toFixed(digits));

export function formatTable(r: Result): string {
  const lines = [
    `Adapter: ${r.adapter.description || r.adapter.vendor} (${r.adapter.backend}), ${r.date}`,
    '',
    '| workload | framework | median ms | throughput | GFLOP/s | peak MB | vs tfjs-webgpu | note |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const row of r.rows) {
    // A row run elsewhere, e.g. `webgpu-finetune (chromium)`, is compared with `tfjs-webgpu (chromium)`.
    const baseline = `tfjs-webgpu${row.framework.match(/ \(.+\)$/)?.[0] ?? ''}`;
    const tfjs = r.rows.find((x) => x.workload === row.workload && x.framework === baseline);
    const ratio = row.median_ms && tfjs?.median_ms ? `${(tfjs.median_ms / row.median_ms).toFixed(2)}x` : '';
    lines.push(
      `| ${row.workload} | ${row.framework} | ${fmt(row.median_ms)} | ${row.throughput === null ? '' : `${fmt(row.throughput, 2)} ${row.unit}`} | ${fmt(row.gflops, 2)} | ${row.peak_bytes ? (row.peak_bytes / 2 ** 20).toFixed(1) : ''} | ${ratio} | ${row.note ?? ''} |`,
    );
  }
  return lines.join('\n');
}

const BEGIN = '<!-- results:begin -->';
const END = '<!-- results:end -->';

/** Rewrites the part of bench/README.md between the markers from the newest file per adapter. */
export function regenerateReadme(readme: string, resultsDir: string): void {
  const newest = new Map<string, { file: string; r: Result }>();
  for (const f of readdirSync(resultsDir).filter((x) => x.endsWith('.json')).sort()) {
    const r = JSON.parse(readFileSync(join(resultsDir, f), 'utf8')) as Result;
    const key = `${r.adapter.description}|${r.adapter.backend}`;
    const prev = newest.get(key);
    if (!prev || prev.r.date <= r.date) newest.set(key, { file: f, r });
  }
  const body = [...newest.values()].map(({ file, r }) => `${formatTable(r)}\n\n(from \`results/${file}\`)`).join('\n\n');
  const text = readFileSync(readme, 'utf8');
  const start = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if (start < 0 || end < 0) return;
  writeFileSync(readme, `${text.slice(0, start + BEGIN.length)}\n${body}\n${text.slice(end)}`);
}
