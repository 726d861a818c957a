// webgpu-finetune runner: the bench's workloads on our engine, on the adapter initNode() picks,
// in the precision `--precision` names (f32 by default; each row carries it).
// Training steps go through the Trainer (compile + fit on one fixed batch, cache off), as
// `wgft finetune` trains; the bottleneck rows time one epoch with and without the cache.
import { initNode } from '../../src/node/dawn.ts';
import { Tensor } from '../../src/graph/tensor.ts';
import { tidy } from '../../src/graph/scope.ts';
import { noGrad } from '../../src/graph/tape.ts';
import { setSeed } from '../../src/graph/initializers.ts';
import type { Model } from '../../src/graph/model.ts';
import { matmul } from '../../src/kernels/matmul.ts';
import { conv2dDgrad, conv2dForward, conv2dGeometry, conv2dWgrad } from '../../src/kernels/conv2d.ts';
import { InceptionV3, MobileNet, VGG16 } from '../../src/zoo/index.ts';
import { freeze } from '../../src/train/freeze.ts';
import { addHead } from '../../src/train/head.ts';
import { arrayData, compile, type DataSource, type Trainer } from '../../src/train/fit.ts';
import { Adam, RMSprop } from '../../src/train/optimizers/index.ts';
import { getLoss } from '../../src/train/losses.ts';
import { attachTuningCache } from '../../src/node/tuning-cache.ts';
import { tuneConv } from '../../src/kernels/conv-tuning.ts';
import { tuneMatmul } from '../../src/kernels/matmul-tuning.ts';
import { autotuneModel } from '../../src/train/autotune.ts';
import { CONV_LAYERS, findWorkload, makeRow, timeIt, type Row, type Workload } from '../workloads.ts';
import { emit as emitRow, skipped, workloadArgs, argValue } from './protocol.ts';
import { parsePrecision } from '../../src/cli/precision-flag.ts';

const framework = 'webgpu-finetune';
// `npm run bench -- --precision mixed|f16`: every row runs, and says it ran, in that precision.
const precision = parsePrecision(argValue('--precision', 'f32'));
const device = await initNode({ precision });
const emit = (row: Row) => emitRow({ ...row, precision });
const stats = device.pool.stats;
// Kernel variants come from the autotuner, tuned once per adapter and shape (outside the timed
// steps, like cuDNN's benchmark mode) and cached on disk; WGFT_BENCH_TUNE=0 keeps the heuristics.
const tune = process.env.WGFT_BENCH_TUNE !== '0';
if (tune) attachTuningCache(device);

function randomData(n: number, lo = -1, hi = 1): Float32Array {
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = lo + Math.random() * (hi - lo);
  return data;
}
const randomTensor = (shape: number[]) => Tensor.from(randomData(shape.reduce((a, b) => a * b, 1)), shape);

/** Frees idle pool buffers and restarts the peak counters, so each row reports its own peak. */
function resetPeaks(): void {
  device.trim();
  stats.peakBytes = stats.totalBytes;
  stats.peakLiveBytes = stats.liveBytes;
}

/** The peak note: pool bytes (live + idle buffers) over the largest live-tensor bytes. */
const peakNote = () => `peak ${(stats.peakBytes / 2 ** 20).toFixed(1)} MB = ${(stats.peakBytes / Math.max(1, stats.peakLiveBytes)).toFixed(2)}x live tensors (${(stats.peakLiveBytes / 2 ** 20).toFixed(1)} MB)`;

async function measure(w: Workload, step: () => Promise<void>, note?: string, opts?: Parameters<typeof timeIt>[1]): Promise<void> {
  const ms = await timeIt(step, opts);
  emit(makeRow(w, framework, ms, stats.peakBytes, [note, peakNote()].filter(Boolean).join('; ')));
}

async function matmulBench(w: Workload, n: number) {
  if (tune) await tuneMatmul(n, n, n);
  resetPeaks();
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

/** One conv layer alone (batch 8): the forward kernel, the input gradient or the filter gradient. */
async function convBench(w: Workload) {
  const [, model, layer, pass] = w.name.match(/^conv-([^-]+)-(.+)-(fwd|dgrad|wgrad)$/)!;
  const spec = CONV_LAYERS.find((c) => c[0] === model && c[1] === layer);
  if (!spec) throw new Error(`no conv layer ${model} ${layer}`);
  const [, , h, wd, ci, k, co, s, padding] = spec;
  const x = randomTensor([8, h, wd, ci]);
  const f = randomTensor([k, k, ci, co]);
  const g = conv2dGeometry('conv2d', x.shape, f, { strides: s, padding });
  const dy = randomTensor([g.N, g.OH, g.OW, g.O]);
  if (tune) await tuneConv('conv2d', g, [pass as 'fwd' | 'dgrad' | 'wgrad']);
  resetPeaks();
  const run = pass === 'fwd' ? () => conv2dForward(x, f, g) : pass === 'dgrad' ? () => conv2dDgrad(dy, f, g) : () => conv2dWgrad(x, dy, g);
  await measure(w, async () => {
    const r = run();
    await device.sync();
    r.dispose();
  });
  for (const t of [x, f, dy]) t.dispose();
}

/** The VGG16 regression recipe: notop at size x size, Flatten, Dense 256 relu, Dropout 0.5, Dense 1; layers[:15] frozen. */
function vggRegression(size: number): Model {
  const base = VGG16({ includeTop: false, inputShape: [size, size, 3] });
  freeze(base, 15);
  return addHead(base, 'flatten,dense:256:relu,dropout:0.5,dense:1:linear', 'vgg16_regression').model;
}

/** The digits recipe at 84x84x3: InceptionV3 notop, GAP, Dense 1024 relu, Dropout 0.5, Dense 10 softmax; layers[:64] frozen. */
function inceptionDigits(): Model {
  const base = InceptionV3({ includeTop: false, inputShape: [84, 84, 3] });
  freeze(base, 64);
  return addHead(base, 'gap,dense:1024:relu,dropout:0.5,dense:10:softmax', 'inception_digits').model;
}

/** MobileNet v1 0.25 at 224 cut at conv_pw_13_relu (its notop output), frozen, head GAP + Dense 10 softmax. */
function mobilenetHead(): Model {
  const base = MobileNet({ alpha: 0.25, includeTop: false, inputShape: [224, 224, 3] });
  freeze(base, 'all');
  return addHead(base, 'gap,dense:10:softmax', 'mobilenet_head').model;
}

function regressionData(n: number, size: number): DataSource {
  return arrayData(randomData(n * size * size * 3), [n, size, size, 3], randomData(n), [n, 1]);
}
function classData(n: number, size: number, classes: number): DataSource {
  const y = new Float32Array(n * classes);
  for (let i = 0; i < n; i++) y[i * classes + (i % classes)] = 1;
  return arrayData(randomData(n * size * size * 3), [n, size, size, 3], y, [n, classes]);
}

const regressionTrainer = (m: Model) => compile(m, { optimizer: new RMSprop({ learningRate: 1e-4 }), loss: getLoss('mean_squared_error') });
const classTrainer = (m: Model) => compile(m, { optimizer: new Adam({ learningRate: 1e-3 }), loss: getLoss('categorical_crossentropy') });

/** One training step on a fixed batch through Trainer.fit (one epoch of one batch), never the cache. */
async function stepBench(w: Workload, model: Model, trainer: Trainer, data: DataSource, note?: string) {
  if (tune) await autotuneModel(model, data.size);
  resetPeaks(); // the tuner's scratch tensors are not the step's
  await measure(w, async () => {
    await trainer.fit(data, { epochs: 1, batchSize: data.size, shuffle: false, cache: false });
  }, note);
  trainer.optimizer.dispose();
  model.dispose();
}

async function forwardBench(w: Workload, model: Model, size: number, batch: number) {
  if (tune) await autotuneModel(model, batch, { training: false });
  resetPeaks();
  const x = Tensor.from(randomData(batch * size * size * 3), [batch, size, size, 3]);
  await measure(w, async () => {
    const y = noGrad(() => tidy(() => model.call([x], { training: false })));
    await device.sync();
    y.dispose();
  });
  x.dispose();
  model.dispose();
}

/** Epochs over 256 images without the cache, and cached epochs (after the one that fills it). */
async function bottleneckBench(w: Workload, model: Model, trainer: Trainer, data: DataSource, batchSize: number) {
  if (tune) await autotuneModel(model, batchSize);
  resetPeaks();
  // The fastest of several epochs each way, the uncached ones run before and after the cached
  // ones: one epoch is a single sample, and on a shared machine the ratio of two single samples
  // moved by 20-30% between runs as the machine's speed drifted.
  const uncachedEpochs = async () => {
    await trainer.fit(data, { epochs: 2, batchSize, cache: false });
    return trainer.epochStats.map((e) => e.seconds * 1000);
  };
  const before = await uncachedEpochs();
  const peakUncached = stats.peakBytes;
  resetPeaks();
  await trainer.fit(data, { epochs: 4, batchSize, cache: true });
  const st = trainer.epochStats;
  const peakCached = stats.peakBytes;
  const cachedPeakNote = peakNote();
  const uncached = Math.min(...before, ...(await uncachedEpochs()));
  if (st[0].cache !== 'fill' || !st.slice(1).every((e) => e.cache === 'gpu' || e.cache === 'host')) {
    throw new Error(`the cache did not engage (epochs: ${st.map((e) => e.cache || 'off').join(', ')})`);
  }
  const cached = Math.min(...st.slice(1).map((e) => e.seconds * 1000));
  const ratio = uncached / cached;
  const row = makeRow(w, framework, cached, peakCached, `cached epoch (${st[1].cache}); uncached ${uncached.toFixed(0)} ms (peak ${(peakUncached / 2 ** 20).toFixed(1)} MB); cached/uncached speedup ${ratio.toFixed(1)}x; fill epoch ${(st[0].seconds * 1000).toFixed(0)} ms; ${cachedPeakNote}`);
  emit(row);
  trainer.optimizer.dispose();
  model.dispose();
}

const handlers: Record<string, (w: Workload) => Promise<void>> = {
  'vgg16-48-freeze15-step-b8': (w) => { const m = vggRegression(48); return stepBench(w, m, regressionTrainer(m), regressionData(8, 48)); },
  'vgg16-224-freeze15-step-b32': (w) => { const m = vggRegression(224); return stepBench(w, m, regressionTrainer(m), regressionData(32, 224)); },
  'vgg16-48-forward-b8': (w) => forwardBench(w, vggRegression(48), 48, 8),
  'vgg16-224-forward-b32': (w) => forwardBench(w, vggRegression(224), 224, 32),
  'inceptionv3-84-freeze64-step-b8': (w) => { const m = inceptionDigits(); return stepBench(w, m, classTrainer(m), classData(8, 84, 10)); },
  'mobilenet-v1-0.25-224-head-step-b8': (w) => { const m = mobilenetHead(); return stepBench(w, m, classTrainer(m), classData(8, 224, 10)); },
  'bottleneck-epoch-head': (w) => { const m = mobilenetHead(); return bottleneckBench(w, m, classTrainer(m), classData(256, 224, 10), 32); },
  'bottleneck-epoch-vgg16-48': (w) => { const m = vggRegression(48); return bottleneckBench(w, m, regressionTrainer(m), regressionData(256, 48), 32); },
};

for (const name of workloadArgs()) {
  const w = findWorkload(name);
  setSeed(0);
  resetPeaks();
  try {
    if (w.kind === 'matmul') await matmulBench(w, Number(name.split('-')[1]));
    else if (w.kind === 'conv') await convBench(w);
    else if (handlers[name]) await handlers[name](w);
    else emit(skipped(name, framework, 'not implemented yet'));
  } catch (e) {
    emit(skipped(name, framework, `failed: ${(e as Error).message.split('\n')[0]}`));
  }
}
process.exit(0);
