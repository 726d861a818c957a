// Bench results with a `precision` field go through the README generator: our rows in another
// precision show it in the framework column, old files without the field read as f32, and the
// precision-accuracy files fill their own section without disturbing the results tables.
import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { formatTable, frameworkLabel, regenerateReadme, type PrecisionResult, type Result } from '../../bench/report.ts';
import type { Row } from '../../bench/workloads.ts';

const adapter = { vendor: 'mesa', architecture: '', description: 'Test Adapter', backend: 'opengles' };
const row = (framework: string, ms: number, extra: Partial<Row> = {}): Row => ({ workload: 'matmul-512', framework, median_ms: ms, throughput: 1, unit: 'GFLOP/s', gflops: 1, peak_bytes: null, ...extra });

describe('bench report with precision', () => {
  it('labels our rows by precision (missing = f32)', () => {
    expect(frameworkLabel(row('webgpu-finetune', 1))).toBe('webgpu-finetune');
    expect(frameworkLabel(row('webgpu-finetune', 1, { precision: 'f32' }))).toBe('webgpu-finetune');
    expect(frameworkLabel(row('webgpu-finetune', 1, { precision: 'mixed' }))).toBe('webgpu-finetune (mixed)');
    expect(frameworkLabel(row('webgpu-finetune (chromium)', 1, { precision: 'f16' }))).toBe('webgpu-finetune (chromium, f16)');
  });

  it('round-trips a results file through JSON and the README generator', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wgft-bench-'));
    const results = join(dir, 'results');
    mkdirSync(results);
    const r: Result = { adapter, date: '2026-11-23', rows: [row('webgpu-finetune', 50), row('webgpu-finetune', 25, { precision: 'mixed' }), row('tfjs-webgpu', 100)] };
    writeFileSync(join(results, 'test-adapter-opengles-2026-11-23.json'), JSON.stringify(r, null, 2));
    const p: PrecisionResult = {
      kind: 'precision-accuracy',
      adapter,
      date: '2026-11-23',
      realization: 'emulated',
      inference: [{ model: 'MobileNet', images: 6, precision: 'mixed', max_abs_diff: 0.00123, top1_same: 6, top5_same_set: 5, top5_same_order: 4, ms: 400 }],
      training: { setup: 'tiny', rows: [{ precision: 'mixed', pretrain_val_loss: 0.31234, pretrain_accuracy: 0.9, finetune_accuracy: 0.815, scratch_accuracy: 0.7, seconds: 12 }] },
    };
    writeFileSync(join(results, 'precision-test-adapter-opengles-2026-11-24.json'), JSON.stringify(p));
    const readme = join(dir, 'README.md');
    writeFileSync(readme, '# t\n<!-- results:begin -->\nold\n<!-- results:end -->\n## precision\n<!-- precision:begin -->\n<!-- precision:end -->\ntail\n');
    regenerateReadme(readme, results);
    const text = readFileSync(readme, 'utf8');
    const back = JSON.parse(readFileSync(join(results, 'test-adapter-opengles-2026-11-23.json'), 'utf8')) as Result;
    expect(back.rows.map((x) => x.precision)).toEqual([undefined, 'mixed', undefined]);
    expect(text).toContain(formatTable(back));
    expect(text).toContain('| matmul-512 | webgpu-finetune | 50.0 |');
    expect(text).toContain('| matmul-512 | webgpu-finetune (mixed) | 25.0 |');
    expect(text).toMatch(/\| webgpu-finetune \(mixed\) \| 25\.0 \|.*\| 4\.00x \|/); // still compared with tfjs-webgpu
    expect(text).toContain('(from `results/test-adapter-opengles-2026-11-23.json`)'); // the precision file is not a results table
    expect(text).toContain('mixed/f16 realized as: emulated');
    expect(text).toContain('| MobileNet | 6 | mixed | 1.23e-3 | 6/6 | 5/6 | 4/6 | 400 |');
    expect(text).toContain('| mixed | 0.3123 | 90.0% | 81.5% | 70.0% | 12.0 |');
    expect(text).toContain('(from `results/precision-test-adapter-opengles-2026-11-24.json`)');
    expect(text).not.toContain('old');
    expect(text.endsWith('<!-- precision:end -->\ntail\n')).toBe(true);
  });
});
