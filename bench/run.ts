// npm run bench -- [--workload NAME...] [--framework NAME...] [--precision f32|mixed|f16]
// Runs each framework in its own process on the same adapter, prints a table, writes
// bench/results/<adapter-slug>-<date>.json and regenerates the table in bench/README.md.
// `--precision` applies to our engine's rows (the others run in f32). The workload
// `precision-accuracy` runs bench/precision.ts (accuracy of mixed/f16 against f32) instead.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { findNodeAdapter } from '../src/node/dawn.ts';
import { FRAMEWORKS, WORKLOADS, findWorkload, type Row } from './workloads.ts';
import { formatTable, frameworkLabel, regenerateReadme, slug } from './report.ts';
import { parsePrecision } from '../src/cli/precision-flag.ts';
import type { Precision } from '../src/gpu/precision.ts';

const here = dirname(fileURLToPath(import.meta.url));
const CHROMIUM = process.env.WGFT_CHROMIUM ?? '/usr/bin/chromium';
// Debian's python3-torch lives in the system Python, which a pyenv shim on PATH may hide.
const PYTHON = process.env.WGFT_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');

function runnerCommand(framework: string, workloads: string[], precision: Precision): [string, string[]] {
  const list = ['--workloads', workloads.join(',')];
  switch (framework) {
    case 'webgpu-finetune':
      return [process.execPath, ['--import', 'tsx', join(here, 'frameworks/ours.ts'), ...list, '--precision', precision]];
    case 'tfjs-webgpu':
      return [process.execPath, ['--import', 'tsx', join(here, 'frameworks/tfjs.ts'), '--backend', 'webgpu', ...list]];
    case 'tfjs-wasm':
      return [process.execPath, ['--import', 'tsx', join(here, 'frameworks/tfjs.ts'), '--backend', 'wasm', ...list]];
    case 'torch-cpu':
      return [PYTHON, [join(here, 'frameworks/torch_bench.py'), '--device', 'cpu', ...list]];
    case 'torch-cuda':
      return [PYTHON, [join(here, 'frameworks/torch_bench.py'), '--device', 'cuda', ...list]];
    case 'page':
      // Not in the default list: ours and tfjs-webgpu in headless Chromium, on the browser's adapter.
      return [process.execPath, ['--import', 'tsx', join(here, 'frameworks/page.ts'), ...list]];
    default:
      throw new Error(`unknown framework '${framework}'; known: ${FRAMEWORKS.join(', ')}`);
  }
}

/** The adapter a runner reports with an `ADAPTER {json}` line (the page runner: the browser's own). */
type RunnerAdapter = { vendor: string; architecture: string; description: string; backend: string };

function runFramework(framework: string, workloads: string[], precision: Precision, onAdapter?: (a: RunnerAdapter) => void): Promise<Row[]> {
  const [cmd, args] = runnerCommand(framework, workloads, precision);
  const ours = framework === 'webgpu-finetune' ? { precision } : {};
  return new Promise((resolve) => {
    const rows: Row[] = [];
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    let buf = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (line.startsWith('ADAPTER ')) onAdapter?.(JSON.parse(line.slice(8)) as RunnerAdapter);
        if (line.startsWith('ROW ')) {
          const row = JSON.parse(line.slice(4)) as Row;
          rows.push(row);
          console.log(`  ${frameworkLabel(row).padEnd(26)} ${row.workload.padEnd(40)} ${row.median_ms === null ? row.note : `${row.median_ms} ms`}`);
        }
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) => {
      resolve(workloads.map((w) => ({ workload: w, framework, median_ms: null, throughput: null, unit: '', gflops: null, peak_bytes: null, note: `not run: ${e.message}`, ...ours })));
    });
    child.on('close', (code) => {
      const seen = new Set(rows.map((r) => r.workload));
      const why = code === 0 ? 'no result' : `runner exited ${code}: ${err.split('\n').filter((l) => l && !l.startsWith('Warning') && !l.includes('BackendVk') && !l.includes('artificially')).slice(-2).join(' ')}`;
      for (const w of workloads) if (!seen.has(w)) rows.push({ workload: w, framework, median_ms: null, throughput: null, unit: '', gflops: null, peak_bytes: null, note: why, ...ours });
      resolve(rows);
    });
  });
}

export async function runBench(argv: string[]): Promise<void> {
  const opts = new Command('bench')
    .option('--workload <names...>', 'workloads to run (default: all that fit the adapter)')
    .option('--framework <names...>', `frameworks (default: ${FRAMEWORKS.join(', ')})`)
    .option('--precision <mode>', "our engine's matmul/conv precision: f32 (default), mixed or f16", 'f32')
    .option('--report', 'only regenerate the tables in bench/README.md from bench/results (e.g. after copying in results from a GPU machine)')
    .parse(argv, { from: 'user' })
    .opts<{ workload?: string[]; framework?: string[]; precision: string; report?: boolean }>();
  if (opts.report) {
    regenerateReadme(join(here, 'README.md'), join(here, 'results'));
    console.log(`regenerated ${join(here, 'README.md')}`);
    return;
  }
  const precision = parsePrecision(opts.precision);
  if (opts.workload?.includes(PRECISION_WORKLOAD)) {
    // The accuracy of mixed/f16 against f32, in its own process (bench/precision.ts).
    await runPrecisionAccuracy();
    opts.workload = opts.workload.filter((w) => w !== PRECISION_WORKLOAD);
    if (!opts.workload.length) return;
  }
  const { adapter, backend, compat } = await findNodeAdapter();
  const info = adapter.info;
  const realGpu = !compat && !/swiftshader|llvmpipe|software/i.test(`${info.description} ${info.architecture} ${info.vendor}`);
  const wanted = (opts.workload ?? WORKLOADS.map((w) => w.name)).map(findWorkload);
  const run = wanted.filter((w) => realGpu || !w.needsGpu);
  const skippedSizes = wanted.filter((w) => !run.includes(w)).map((w) => w.name);
  if (skippedSizes.length) console.log(`skipped on this adapter (real GPU only): ${skippedSizes.join(', ')}`);
  const frameworks = opts.framework ?? [...FRAMEWORKS];
  const rows: Row[] = [];
  // Rows of runners that report their own adapter (the browser page) go to that adapter's file.
  const elsewhere = new Map<string, { adapter: RunnerAdapter; rows: Row[] }>();
  for (const fw of frameworks) {
    if (fw === 'page' && !existsSync(CHROMIUM)) {
      console.log(`page: skipped, ${CHROMIUM} is absent (apt install chromium)`);
      continue;
    }
    console.log(`${fw}:`);
    let own = undefined as RunnerAdapter | undefined;
    if (fw === 'page' && precision !== 'f32') console.log(`page: runs in f32 (--precision ${precision} applies to the Node runner)`);
    const got = await runFramework(fw, run.map((w) => w.name), precision, (a) => (own = a));
    if (own) {
      const a = own;
      const key = slug(`${a.backend} ${a.architecture || a.vendor}`);
      if (!elsewhere.has(key)) elsewhere.set(key, { adapter: a, rows: [] });
      elsewhere.get(key)!.rows.push(...got);
    } else rows.push(...got);
  }
  const date = new Date().toISOString().slice(0, 10);
  const adapterDesc = { vendor: info.vendor, architecture: info.architecture, description: info.description, backend };
  const name = slug(`${info.description || info.vendor} ${backend}`);
  mkdirSync(join(here, 'results'), { recursive: true });
  const results: [string, { adapter: RunnerAdapter; date: string; rows: Row[] }][] = [];
  if (rows.length) results.push([name, { adapter: adapterDesc, date, rows }]);
  for (const [key, e] of elsewhere) results.push([key, { adapter: e.adapter, date, rows: e.rows }]);
  for (const [n, result] of results) {
    const file = join(here, 'results', `${n}-${date}.json`);
    // A partial run replaces its own rows in the day's file and keeps the others.
    if (existsSync(file)) {
      const old = JSON.parse(readFileSync(file, 'utf8')) as { rows: Row[] };
      const key = (r: Row) => `${r.workload}|${r.framework}|${r.precision ?? 'f32'}`;
      const fresh = new Set(result.rows.map(key));
      result.rows = [...old.rows.filter((r) => !fresh.has(key(r))), ...result.rows];
    }
    writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
    console.log(`\n${formatTable(result)}\nwrote ${file}`);
  }
  if (existsSync(join(here, 'README.md'))) regenerateReadme(join(here, 'README.md'), join(here, 'results'));
}

const PRECISION_WORKLOAD = 'precision-accuracy';

function runPrecisionAccuracy(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'precision.ts')], { stdio: 'inherit', env: process.env });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`bench/precision.ts exited ${code}`))));
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    await runBench(process.argv.slice(2));
  } catch (e) {
    console.error(`bench: ${(e as Error).message}`);
    process.exit(1);
  }
  process.exit(0);
}
