// End to end in a real browser: Debian's Chromium (playwright-core, no browser download) on its
// software WebGPU adapter (SwiftShader) against the page served on 127.0.0.1. Loads the tfjs
// MobileNet fixture through the page's file input, classifies images/dog.jpg, compares one output
// with the Node run, fine-tunes a 2-class head on crops of the fixture images, downloads the
// result as .h5 (read back in Node) and keeps a screenshot in test-artifacts/web-page.png.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectClose } from '../helpers/compare.ts';
import { testDevice } from '../helpers/gpu.ts';
import { randomArray } from '../helpers/random.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const CHROMIUM = '/usr/bin/chromium';
const FIX = resolve(ROOT, '../shared/fixtures');
const MODEL_DIR = join(FIX, 'tfjs/mobilenet_v1_0.25_224');
const IMAGES = join(FIX, 'images');
const ARTIFACT = join(ROOT, 'test-artifacts/web-page.png');
const ARGS = [
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

const missing = !existsSync(CHROMIUM)
  ? `${CHROMIUM} is absent (apt install chromium)`
  : !existsSync(join(MODEL_DIR, 'model.json')) || !existsSync(join(IMAGES, 'dog.jpg'))
    ? `the fixtures are absent (${MODEL_DIR}, ${IMAGES})`
    : '';
if (missing) console.warn(`test/web/page.test.ts skipped: ${missing}`);

type Page = import('playwright-core').Page;
type Context = import('playwright-core').BrowserContext;

describe.skipIf(!!missing)('the browser page on Chromium (SwiftShader WebGPU)', () => {
  let server: Server;
  let context: Context;
  let page: Page;
  let profile: string;
  let work: string;
  const consoleLines: string[] = [];

  beforeAll(async () => {
    const { buildWeb, DIST } = await import('../../scripts/build-web.mjs');
    const { serveStatic } = await import('../../scripts/serve-web.mjs');
    await buildWeb({ minify: false, quiet: true });
    const s = await serveStatic(DIST, 0);
    server = s.server;
    profile = mkdtempSync(join(tmpdir(), 'wgft-chromium-'));
    work = mkdtempSync(join(tmpdir(), 'wgft-web-'));
    const { chromium } = await import('playwright-core');
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: ARGS, viewport: { width: 1000, height: 1400 } });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => consoleLines.push(`pageerror: ${e.message}`));
    await page.goto(s.url);
    await page.waitForFunction(() => window.wgft?.state.ready || window.wgft?.state.error, null, { timeout: 60_000 });
    const err = await page.evaluate(() => window.wgft.state.error);
    if (err) throw new Error(`the page found no WebGPU adapter: ${err}\n${consoleLines.join('\n')}`);
  }, 180_000);

  afterAll(async () => {
    await context?.close();
    server?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('shows the adapter it runs on', async () => {
    const text = await page.locator('#adapter').textContent();
    const adapter = await page.evaluate(() => window.wgft.state.adapter);
    expect(text).toMatch(/WebGPU adapter: /);
    expect(JSON.stringify(adapter).toLowerCase()).toMatch(/swiftshader|google|cpu/);
  });

  it('serves the library as browser ESM (web/dist/lib)', async () => {
    // As a string: vitest would rewrite an import() written in this file.
    const names = (await page.evaluate(`(async () => {
      const lib = await import(new URL('lib/index.js', location.href).href);
      const browser = await import(new URL('lib/browser.js', location.href).href);
      return { lib: ['Tensor', 'Model', 'loadKerasModel', 'loadTfjsLayers', 'saveKerasH5', 'Trainer', 'addHead'].filter((k) => typeof lib[k] === 'function'), initBrowser: typeof browser.initBrowser };
    })()`)) as { lib: string[]; initBrowser: string };
    expect(names.lib).toEqual(['Tensor', 'Model', 'loadKerasModel', 'loadTfjsLayers', 'saveKerasH5', 'Trainer', 'addHead']);
    expect(names.initBrowser).toBe('function');
  });

  it('says clearly when WebGPU is missing', async () => {
    const p = await context.newPage();
    try {
      await p.addInitScript(() => Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined, configurable: true }));
      await p.goto(page.url());
      await p.waitForFunction(() => window.wgft?.state.error, null, { timeout: 30_000 });
      await expect.poll(() => p.locator('#nogpu').isVisible()).toBe(true);
      expect(await p.locator('#nogpu').textContent()).toMatch(/WebGPU is not available here: .*navigator\.gpu is missing/);
      expect(await p.locator('#train').isDisabled()).toBe(true);
    } finally {
      await p.close();
    }
  });

  it('loads the tfjs MobileNet through the file input and finds the husky classes in dog.jpg', async () => {
    const files = readdirSync(MODEL_DIR).map((f) => join(MODEL_DIR, f));
    await page.setInputFiles('#model-files', files);
    await page.waitForFunction(() => window.wgft.state.summary, null, { timeout: 120_000 });
    const summary = await page.evaluate(() => window.wgft.state.summary!);
    expect(summary.layers).toBe(88);
    expect(summary.params).toBe(475_544);
    expect(summary.outputShape).toEqual([1000]);
    expect(await page.locator('#model-info').textContent()).toContain('475,544 parameters');

    await page.setInputFiles('#predict-file', join(IMAGES, 'dog.jpg'));
    await page.waitForFunction(() => window.wgft.state.lastPrediction.length > 0, null, { timeout: 180_000 });
    const top = await page.evaluate(() => window.wgft.state.lastPrediction);
    const top3 = top.slice(0, 3).map((t) => t.index);
    expect(top3.some((i) => i >= 248 && i <= 250), `top 3 of dog.jpg: ${JSON.stringify(top.slice(0, 3))}`).toBe(true);
    expect(await page.locator('#top-k li').count()).toBe(5);
  }, 300_000);

  it('gives the same output as the Node run for one input tensor (within 1e-4)', async () => {
    // Kernel variants are chosen from shapes and a few device limits only (no autotuner, nothing
    // depends on features or the compatibility mode): pin the one switch there is and check that
    // the limit that enters the choice agrees on both adapters.
    const { matmulVariants } = await import('../../src/kernels/matmul.ts');
    matmulVariants.forceScalar = false;
    const device = await testDevice();
    const pageCfg = await page.evaluate(() => window.wgft.kernelConfig());
    expect(pageCfg.matmulForceScalar).toBe(false);
    expect(device.limits.maxComputeWorkgroupsPerDimension).toBe(pageCfg.maxComputeWorkgroupsPerDimension);

    const shape = [1, 224, 224, 3];
    const x = Float32Array.from(randomArray(224 * 224 * 3, 11));
    const ours = new Float32Array(await page.evaluate(([d, s]) => window.wgft.runInput(d, s), [Array.from(x), shape] as const));

    const { loadModelFile } = await import('../../src/node/models.ts');
    const { Tensor } = await import('../../src/graph/tensor.ts');
    const { noGrad } = await import('../../src/graph/tape.ts');
    const { tidy } = await import('../../src/graph/scope.ts');
    const { model } = await loadModelFile(join(MODEL_DIR, 'model.json'));
    const y = noGrad(() => tidy(() => model.call([Tensor.from(x, shape)], { training: false })));
    const ref = await y.data();
    y.dispose();
    model.dispose();
    expect(ours.length).toBe(1000);
    expectClose(ours, ref, 1e-4, 'page vs Node output');
    let diff = 0;
    for (let i = 0; i < ref.length; i++) diff = Math.max(diff, Math.abs(ours[i] - ref[i]));
    console.info(`page (${JSON.stringify(pageCfg.features)}) vs Node (${device.adapter.description || device.adapter.backend}): max |diff| ${diff.toExponential(2)} over 1000 softmax outputs`);
  }, 300_000);

  it('fine-tunes a 2-class head on crops of the fixture images: the loss falls; downloads an .h5 that Node and the page read back', async () => {
    const classes = join(work, 'classes');
    for (const [cls, imgs] of [['dog', ['dog.jpg']], ['bird', ['eagle.jpg']]] as const) {
      mkdirSync(join(classes, cls), { recursive: true });
      for (const f of imgs) copyFileSync(join(IMAGES, f), join(classes, cls, f));
    }
    await page.setInputFiles('#image-folders', classes);
    await page.waitForFunction(() => window.wgft.state.classes.size === 2, null, { timeout: 60_000 });
    expect(await page.locator('#classes li').allTextContents()).toEqual(['bird: 1 images', 'dog: 1 images']);

    const r = await page.evaluate(() =>
      window.wgft
        .finetune({ inputSize: 128, freeze: 'all', head: 'gap,dense:N:softmax', crops: 4, epochs: 3, batchSize: 4, learningRate: 0.01, validationSplit: 0, seed: 0 })
        .then((r) => ({ loss: r.history.history.loss, accuracy: r.history.history.accuracy, steps: r.steps, classes: r.classes, seconds: r.seconds })),
    );
    expect(r.classes).toEqual(['bird', 'dog']);
    expect(r.steps.length).toBe(6);
    expect(r.loss.every(Number.isFinite)).toBe(true);
    expect(r.loss[2], `epoch losses ${r.loss}`).toBeLessThan(r.loss[0]);
    expect(await page.locator('#progress').evaluate((el: HTMLProgressElement) => el.value / el.max)).toBe(1);
    expect(await page.locator('#chart polyline').count()).toBeGreaterThanOrEqual(2);

    await page.setInputFiles('#predict-file', join(IMAGES, 'eagle.jpg'));
    await page.waitForFunction(() => window.wgft.state.lastPrediction.length === 2, null, { timeout: 120_000 });
    const top = await page.evaluate(() => window.wgft.state.lastPrediction);
    expect(top.map((t) => t.label).sort()).toEqual(['bird', 'dog']);

    mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
    await page.screenshot({ path: ARTIFACT, fullPage: true });
    expect(existsSync(ARTIFACT)).toBe(true);

    // The download button: Keras H5 bytes that the Node loader reads back to the same outputs.
    const [dl] = await Promise.all([
      page.waitForEvent('download', { predicate: (d) => d.suggestedFilename() === 'finetuned.h5', timeout: 120_000 }),
      page.click('#download'),
    ]);
    const bytes = new Uint8Array(readFileSync(await dl.path()));
    const { loadKerasModel } = await import('../../src/loaders/keras/load.ts');
    const { bytesSource } = await import('../../src/loaders/byte-source.ts');
    const { model } = await loadKerasModel(bytesSource(bytes, 'finetuned.h5'));
    expect(model.outputShape).toEqual([2]);
    expect(model.inputShape).toEqual([128, 128, 3]);
    const shape = [2, 128, 128, 3];
    const x = Float32Array.from(randomArray(2 * 128 * 128 * 3, 12));
    const ours = await page.evaluate(([d, s]) => window.wgft.runInput(d, s, 'finetuned'), [Array.from(x), shape] as const);
    const { Tensor } = await import('../../src/graph/tensor.ts');
    const { noGrad } = await import('../../src/graph/tape.ts');
    const { tidy } = await import('../../src/graph/scope.ts');
    const y = noGrad(() => tidy(() => model.call([Tensor.from(x, shape)], { training: false })));
    const ref = await y.data();
    y.dispose();
    model.dispose();
    expectClose(ours, ref, 1e-4, 'fine-tuned model: page vs its .h5 read in Node');

    // And the page reads its own .h5 back (h5wasm in the bundle) through the model input.
    await page.setInputFiles('#model-files', { name: 'finetuned.h5', mimeType: 'application/x-hdf5', buffer: Buffer.from(bytes) });
    await page.waitForFunction(() => window.wgft.state.summary?.name === 'finetuned.h5', null, { timeout: 120_000 });
    const summary = await page.evaluate(() => window.wgft.state.summary!);
    expect(summary.kind).toBe('keras-h5');
    expect(summary.outputShape).toEqual([2]);
    const again = await page.evaluate(([d, s]) => window.wgft.runInput(d, s), [Array.from(x), shape] as const);
    expectClose(again, ref, 1e-4, 'the .h5 loaded back into the page');
  }, 600_000);
});
