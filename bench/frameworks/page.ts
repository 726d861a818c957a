// Browser-page runner: the bench's workloads in headless Chromium, ours and tfjs-webgpu side by
// side on the browser's own WebGPU adapter (SwiftShader on a machine with no GPU). Builds
// bench/page/bench-page.ts with esbuild into a temporary folder, serves it on 127.0.0.1 (WebGPU
// needs a secure context), and opens one page per framework (`?fw=ours`, then `?fw=tfjs`), so each
// gets its own GPUDevice. Prints `ADAPTER {json}` (the browser adapter, so bench/run.ts files these
// rows under it) and `ROW {json}` lines with the frameworks `webgpu-finetune (chromium)` and
// `tfjs-webgpu (chromium)`. Skips every workload with a message where /usr/bin/chromium is absent.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findWorkload, type Row } from '../workloads.ts';
import { emit, skipped, workloadArgs } from './protocol.ts';

export const CHROMIUM = process.env.WGFT_CHROMIUM ?? '/usr/bin/chromium';
/** The flags that give headless Chromium a software WebGPU adapter (as test/web/page.test.ts). */
export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-webgpu-adapter=swiftshader',
  '--enable-unsafe-swiftshader',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const PAGES = [
  { fw: 'ours', framework: 'webgpu-finetune (chromium)' },
  { fw: 'tfjs', framework: 'tfjs-webgpu (chromium)' },
];

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** Bundles the bench page (our engine and tfjs) into `dir`. */
async function buildPage(dir: string): Promise<void> {
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'gen-shaders.mjs')], { stdio: ['ignore', 'ignore', 'inherit'] });
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: { 'bench-page': join(ROOT, 'bench', 'page', 'bench-page.ts') },
    outdir: dir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    minify: false,
    logLevel: 'warning',
    legalComments: 'none',
  });
  writeFileSync(join(dir, 'index.html'), '<!doctype html>\n<meta charset="utf-8">\n<title>webgpu-finetune bench</title>\n<body>loading</body>\n<script type="module" src="bench-page.js"></script>\n');
}

async function main(names: string[]): Promise<void> {
  if (!existsSync(CHROMIUM)) {
    for (const name of names) for (const p of PAGES) emit(skipped(name, p.framework, `skipped: ${CHROMIUM} is absent (apt install chromium)`));
    return;
  }
  const dist = mkdtempSync(join(tmpdir(), 'wgft-bench-page-'));
  const profile = mkdtempSync(join(tmpdir(), 'wgft-bench-chromium-'));
  let server: import('node:http').Server | undefined;
  let context: import('playwright-core').BrowserContext | undefined;
  try {
    await buildPage(dist);
    const { serveStatic } = await import('../../scripts/serve-web.mjs');
    const s = await serveStatic(dist, 0);
    server = s.server;
    const { chromium } = await import('playwright-core');
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    let adapterSent = false;
    for (const p of PAGES) {
      const page = await context.newPage();
      const log: string[] = [];
      page.on('console', (m) => log.push(`${m.type()}: ${m.text()}`));
      page.on('pageerror', (e) => log.push(`pageerror: ${e.message}`));
      try {
        await page.goto(`${s.url}?fw=${p.fw}`);
        await page.waitForFunction(() => window.bench?.ready || window.bench?.error, null, { timeout: 120_000 });
        const { error, adapter } = await page.evaluate(() => ({ error: window.bench.error, adapter: window.bench.adapter }));
        if (error) {
          for (const name of names) emit(skipped(name, p.framework, `page failed: ${error}`));
          continue;
        }
        if (!adapterSent && adapter) {
          process.stdout.write(`ADAPTER ${JSON.stringify(adapter)}\n`);
          adapterSent = true;
        }
        for (const name of names) {
          const w = findWorkload(name);
          if (w.needsGpu && /swiftshader|llvmpipe|software/i.test(`${adapter?.architecture} ${adapter?.description} ${adapter?.vendor}`)) {
            emit(skipped(name, p.framework, 'skipped on this adapter (real GPU only)'));
            continue;
          }
          emit((await page.evaluate((n) => window.bench.run(n), name)) as Row);
        }
      } catch (e) {
        const msg = (e as Error).message.split('\n')[0];
        for (const name of names) emit(skipped(name, p.framework, `page failed: ${msg} ${log.slice(-2).join(' ')}`));
      } finally {
        await page.close().catch(() => {});
      }
    }
  } finally {
    await context?.close().catch(() => {});
    server?.close();
    rmSync(dist, { recursive: true, force: true });
    rmSync(profile, { recursive: true, force: true });
  }
}

await main(workloadArgs());
process.exit(0);
