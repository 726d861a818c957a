// Markdown tables from bench results: one table per adapter (its newest results file), with
// each row's ratio to tfjs-webgpu on the same workload (>1 means faster than tfjs-webgpu). Our
// rows run in another precision show it in the framework column: `webgpu-finetune (mixed)`.
// The precision-accuracy results (`results/precision-*.json`, bench/precision.ts) have their own
// section.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Row } from './workloads.ts';
import type { Precision } from '../src/gpu/precision.ts';

export interface Result {
  adapter: { vendor: string; architecture: string; description: string; backend: string };
  date: string;
  rows: Row[];
}

const fmt = (v: number | null, digits = 1) => (v === null ? '' : v >= 100 ? v.toFixed(0) : v.toFixed(digits));

/** File-name slug of an adapter or anything else: lower case, dashes. */
export const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'adapter';

/** The framework column: `webgpu-finetune`, `webgpu-finetune (mixed)`, `webgpu-finetune (chromium, f16)`. */
export function frameworkLabel(row: Row): string {
  const p = row.precision ?? 'f32';
  if (p === 'f32') return row.framework;
  const m = row.framework.match(/^(.*) \((.+)\)$/);
  return m ? `${m[1]} (${m[2]}, ${p})` : `${row.framework} (${p})`;
}

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
      `| ${row.workload} | ${frameworkLabel(row)} | ${fmt(row.median_ms)} | ${row.throughput === null ? '' : `${fmt(row.throughput, 2)} ${row.unit}`} | ${fmt(row.gflops, 2)} | ${row.peak_bytes ? (row.peak_bytes / 2 ** 20).toFixed(1) : ''} | ${ratio} | ${row.note ?? ''} |`,
    );
  }
  return lines.join('\n');
}

const BEGIN = '<!-- results:begin -->';
const END = '<!-- results:end -->';

/** Rewrites the part of bench/README.md between the markers from the newest file per adapter. */
export function regenerateReadme(readme: string, resultsDir: string): void {
  const newest = new Map<string, { file: string; r: Result }>();
  for (const f of readdirSync(resultsDir).filter((x) => x.endsWith('.json') && !x.startsWith(PRECISION_PREFIX)).sort()) {
    const r = JSON.parse(readFileSync(join(resultsDir, f), 'utf8')) as Result;
    const key = `${r.adapter.description}|${r.adapter.backend}`;
    const prev = newest.get(key);
    if (!prev || prev.r.date <= r.date) newest.set(key, { file: f, r });
  }
  const body = [...newest.values()].map(({ file, r }) => `${formatTable(r)}\n\n(from \`results/${file}\`)`).join('\n\n');
  replaceBetween(readme, BEGIN, END, body);
  regeneratePrecision(readme, resultsDir);
}

/** Replaces the text between two marker lines of a file (nothing when a marker is missing). */
function replaceBetween(file: string, begin: string, end: string, body: string): void {
  const text = readFileSync(file, 'utf8');
  const a = text.indexOf(begin);
  const b = text.indexOf(end);
  if (a < 0 || b < a) return;
  writeFileSync(file, `${text.slice(0, a + begin.length)}\n${body}\n${text.slice(b)}`);
}

// ---- Accuracy of --precision mixed|f16 against f32 (bench/precision.ts) ----

export const PRECISION_PREFIX = 'precision-';

/** A pretrained classifier's outputs in one precision, compared with its f32 outputs. */
export interface PrecisionInferenceRow {
  model: string;
  images: number;
  precision: Precision;
  /** max |p - p_f32| over every image and class of the output probabilities. */
  max_abs_diff: number;
  /** Images whose top-1 class / top-5 classes (as a set, in order) equal f32's. */
  top1_same: number;
  top5_same_set: number;
  top5_same_order: number;
  /** One forward pass of the batch, timed after a first (compiling) one. */
  ms: number;
}

/** The short Fashion-MNIST transfer run (src/train/demo.ts, reduced) in one precision. */
export interface PrecisionTrainingRow {
  precision: Precision;
  pretrain_val_loss?: number;
  pretrain_accuracy: number;
  finetune_accuracy: number;
  scratch_accuracy: number;
  seconds: number;
}

export interface PrecisionResult {
  kind: 'precision-accuracy';
  adapter: Result['adapter'];
  date: string;
  /** How mixed/f16 ran: tensor-cores, shader-f16 or emulated. */
  realization: string;
  inference: PrecisionInferenceRow[];
  training: { setup: string; rows: PrecisionTrainingRow[] };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

export function formatPrecision(r: PrecisionResult): string {
  const lines = [
    `Adapter: ${r.adapter.description || r.adapter.vendor} (${r.adapter.backend}), ${r.date}; mixed/f16 realized as: ${r.realization}`,
    '',
    '| model | images | precision | max abs diff of probabilities vs f32 | top-1 same | top-5 same set | top-5 same order | ms per batch |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const x of r.inference) {
    const n = x.images;
    lines.push(`| ${x.model} | ${n} | ${x.precision} | ${x.max_abs_diff.toExponential(2)} | ${x.top1_same}/${n} | ${x.top5_same_set}/${n} | ${x.top5_same_order}/${n} | ${fmt(x.ms)} |`);
  }
  lines.push('', `Fashion-MNIST transfer (${r.training.setup}):`, '');
  lines.push('| precision | pretrain val loss | pretrain val accuracy | fine-tuned test accuracy | from-scratch test accuracy | seconds |', '|---|---|---|---|---|---|');
  for (const t of r.training.rows) lines.push(`| ${t.precision} | ${t.pretrain_val_loss?.toFixed(4) ?? ''} | ${pct(t.pretrain_accuracy)} | ${pct(t.finetune_accuracy)} | ${pct(t.scratch_accuracy)} | ${fmt(t.seconds)} |`);
  return lines.join('\n');
}

const PBEGIN = '<!-- precision:begin -->';
const PEND = '<!-- precision:end -->';

/** Rewrites the precision section of bench/README.md from the newest precision file per adapter. */
export function regeneratePrecision(readme: string, resultsDir: string): void {
  const newest = new Map<string, { file: string; r: PrecisionResult }>();
  for (const f of readdirSync(resultsDir).filter((x) => x.startsWith(PRECISION_PREFIX) && x.endsWith('.json')).sort()) {
    const r = JSON.parse(readFileSync(join(resultsDir, f), 'utf8')) as PrecisionResult;
    if (r.kind !== 'precision-accuracy') continue;
    const key = `${r.adapter.description}|${r.adapter.backend}`;
    const prev = newest.get(key);
    if (!prev || prev.r.date <= r.date) newest.set(key, { file: f, r });
  }
  const body = [...newest.values()].map(({ file, r }) => `${formatPrecision(r)}\n\n(from \`results/${file}\`)`).join('\n\n');
  replaceBetween(readme, PBEGIN, PEND, body || '(no measurement yet: `npm run bench -- --workload precision-accuracy`)');
}
