// npm run bench -- --workload precision-accuracy   (or: node --import tsx bench/precision.ts)
// What `--precision mixed|f16` costs in accuracy, measured against f32 on this adapter:
//  (a) pretrained classifiers from ../shared/fixtures on the six fixture photos: the largest
//      |p - p_f32| of the output probabilities, and how many images keep f32's top-1 / top-5;
//  (b) a short Fashion-MNIST transfer run (src/train/demo.ts with fewer images and epochs, same
//      seeds in every precision): pretrain, fine-tune a new head, train from scratch; test accuracy.
// Writes bench/results/precision-<adapter-slug>-<date>.json and the precision section of
// bench/README.md. Without shader-f16 the f16 rounding is emulated: the numbers are those of f16
// hardware, the times are not.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initNode } from '../src/node/dawn.ts';
import { loadModelFile } from '../src/node/models.ts';
import { loadImageInput } from '../src/node/images.ts';
import { PRECISIONS, precisionSupport, setPrecision } from '../src/gpu/precision.ts';
import { Tensor } from '../src/graph/tensor.ts';
import { tidy } from '../src/graph/scope.ts';
import { noGrad } from '../src/graph/tape.ts';
import type { Model } from '../src/graph/model.ts';
import type { PreprocessMode } from '../src/train/data/preprocess.ts';
import { runDemo } from '../src/train/demo.ts';
import { fromDataset } from '../src/train/fit.ts';
import { getOptimizer } from '../src/train/optimizers/index.ts';
import { getLoss } from '../src/train/losses.ts';
import { getMetric } from '../src/train/metrics.ts';
import { fashionMnist, FASHION_CLASSES } from '../src/cli/fashion-link.ts';
import { Callback, type Logs } from '../src/train/callbacks/callback.ts';
import { timeIt } from './workloads.ts';
import { PRECISION_PREFIX, formatPrecision, regenerateReadme, slug, type PrecisionInferenceRow, type PrecisionResult, type PrecisionTrainingRow } from './report.ts';

const here = dirname(fileURLToPath(import.meta.url));
const FIX = join(here, '../../shared/fixtures');

/** Pretrained classifiers with real weights, and the preprocessing they were trained with. */
const MODELS: { name: string; path: string; preprocess: PreprocessMode; scale?: number }[] = [
  { name: 'MobileNet v1 0.25 224, ImageNet (tfjs fixture)', path: 'tfjs/mobilenet_v1_0.25_224/model.json', preprocess: 'inception' },
  // nsfwjs: Keras MobileNetV2 fine-tuned to 5 classes, inputs in [0, 1] (uint8-quantized weights).
  { name: 'MobileNetV2 224, nsfwjs 5 classes (tfjs fixture)', path: 'tfjs/nsfwjs_mobilenet_v2/model.json', preprocess: 'none', scale: 1 / 255 },
];

/** The reduced transfer run: images per class and epochs of each phase. */
const RUN = { pretrainPerClass: 300, pretrainEpochs: 2, perClass: 50, testPerClass: 200, epochs: 8, unfreezeEpochs: 2, batchSize: 32, seed: 0 };
const OLD = [1, 2, 4, 5, 7, 8];
const NEW = [0, 3, 6, 9];

/** Keeps the logs of the last epoch (the pretraining's val_loss shows differences accuracy rounds away). */
class LastLogs extends Callback {
  logs: Logs = {};
  override onEpochEnd(_epoch: number, logs: Logs): void {
    this.logs = { ...logs };
  }
}

const topK = (p: Float32Array, k: number) => Array.from(p.keys()).sort((a, b) => p[b] - p[a]).slice(0, k);

async function inference(device: Awaited<ReturnType<typeof initNode>>): Promise<PrecisionInferenceRow[]> {
  const images = readdirSync(join(FIX, 'images')).filter((f) => f.endsWith('.jpg')).sort().map((f) => join(FIX, 'images', f));
  const rows: PrecisionInferenceRow[] = [];
  for (const m of MODELS) {
    const path = join(FIX, m.path);
    if (!existsSync(path)) {
      console.log(`${m.name}: skipped, ${path} is absent`);
      continue;
    }
    const model: Model = (await loadModelFile(path)).model;
    const [h, w] = model.inputShape;
    const per = model.inputShape.reduce((a, b) => a * b, 1);
    const x = new Float32Array(images.length * per);
    images.forEach((img, i) => {
      const v = loadImageInput(img, h, w, m.preprocess);
      if (m.scale) for (let j = 0; j < v.length; j++) v[j] *= m.scale;
      x.set(v, i * per);
    });
    const input = Tensor.from(x, [images.length, ...model.inputShape]);
    const forward = () => noGrad(() => tidy(() => model.call([input], { training: false }).data()));
    let ref: Float32Array | null = null;
    for (const p of PRECISIONS) {
      setPrecision(device, p);
      const out = await forward(); // also compiles this precision's pipelines
      const ms = await timeIt(async () => void (await forward()), { warmup: 0, minRepeats: 1, minMs: 0 });
      const f32 = (ref ??= out);
      const k = out.length / images.length;
      let maxDiff = 0;
      for (let i = 0; i < out.length; i++) maxDiff = Math.max(maxDiff, Math.abs(out[i] - f32[i]));
      let top1 = 0;
      let set5 = 0;
      let order5 = 0;
      for (let i = 0; i < images.length; i++) {
        const a = topK(out.subarray(i * k, (i + 1) * k), 5);
        const b = topK(f32.subarray(i * k, (i + 1) * k), 5);
        if (a[0] === b[0]) top1++;
        if ([...a].sort().join() === [...b].sort().join()) set5++;
        if (a.join() === b.join()) order5++;
      }
      const row = { model: m.name, images: images.length, precision: p, max_abs_diff: maxDiff, top1_same: top1, top5_same_set: set5, top5_same_order: order5, ms: +ms.toFixed(1) };
      console.log(`${m.name}, ${p}: max |dp| ${maxDiff.toExponential(2)}, top-1 ${top1}/${images.length}, top-5 set ${set5}, order ${order5}; ${row.ms} ms per batch`);
      rows.push(row);
    }
    input.dispose();
    model.dispose();
  }
  return rows;
}

async function training(device: Awaited<ReturnType<typeof initNode>>): Promise<PrecisionTrainingRow[]> {
  const pre = fromDataset(await fashionMnist({ height: 28, width: 28, channels: 1, classes: OLD, perClass: RUN.pretrainPerClass }), { oneHot: OLD.length });
  const few = fromDataset(await fashionMnist({ height: 28, width: 28, channels: 1, classes: NEW, perClass: RUN.perClass }), { oneHot: NEW.length });
  const test = fromDataset(await fashionMnist({ height: 28, width: 28, channels: 1, classes: NEW, perClass: RUN.testPerClass, split: 't10k' }), { oneHot: NEW.length });
  const rows: PrecisionTrainingRow[] = [];
  for (const p of PRECISIONS) {
    setPrecision(device, p);
    const lastLogs = new LastLogs();
    const t0 = performance.now();
    const r = await runDemo(
      { pretrain: pre, fewShot: few, test, pretrainClasses: OLD.map((c) => FASHION_CLASSES[c]), newClasses: NEW.map((c) => FASHION_CLASSES[c]) },
      {
        pretrainEpochs: RUN.pretrainEpochs,
        fineTuneEpochs: RUN.epochs,
        unfreezeEpochs: RUN.unfreezeEpochs,
        scratchEpochs: RUN.epochs,
        batchSize: RUN.batchSize,
        seed: RUN.seed,
        optimizer: (learningRate) => getOptimizer('adam', { learningRate }),
        loss: getLoss('categorical_crossentropy'),
        accuracy: getMetric('accuracy', 'categorical_crossentropy'),
        callbacks: (phase) => (phase === 'pretrain' ? [lastLogs] : []),
      },
    );
    const row = { precision: p, pretrain_val_loss: +lastLogs.logs.val_loss.toFixed(5), pretrain_accuracy: r.pretrainAccuracy, finetune_accuracy: r.fineTuneAccuracy, scratch_accuracy: r.scratchAccuracy, seconds: +((performance.now() - t0) / 1000).toFixed(1) };
    console.log(`fashion-mnist transfer, ${p}: pretrain ${row.pretrain_accuracy.toFixed(4)} (val loss ${row.pretrain_val_loss}), fine-tuned ${row.finetune_accuracy.toFixed(4)}, scratch ${row.scratch_accuracy.toFixed(4)}; ${row.seconds} s`);
    rows.push(row);
  }
  return rows;
}

export async function runPrecisionBench(): Promise<PrecisionResult> {
  const device = await initNode();
  const a = device.adapter;
  const support = precisionSupport(device);
  console.log(`precision-accuracy on ${a.description || a.vendor} (${a.backend}); mixed/f16 realized as: ${support.realization}`);
  const inf = await inference(device);
  const train = await training(device);
  setPrecision(device, 'f32');
  const result: PrecisionResult = {
    kind: 'precision-accuracy',
    adapter: { vendor: a.vendor, architecture: a.architecture, description: a.description, backend: a.backend },
    date: new Date().toISOString().slice(0, 10),
    realization: support.realization,
    inference: inf,
    training: {
      setup:
        `demo CNN pretrained on ${RUN.pretrainPerClass} images x 6 classes for ${RUN.pretrainEpochs} epochs; new head on ${RUN.perClass} images x 4 classes, ` +
        `${RUN.epochs} epochs frozen + ${RUN.unfreezeEpochs} unfrozen; scratch ${RUN.epochs} epochs; test ${RUN.testPerClass * 4} images; Adam, batch ${RUN.batchSize}, seed ${RUN.seed}`,
      rows: train,
    },
  };
  mkdirSync(join(here, 'results'), { recursive: true });
  const file = join(here, 'results', `${PRECISION_PREFIX}${slug(`${a.description || a.vendor} ${a.backend}`)}-${result.date}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  console.log(`\n${formatPrecision(result)}\nwrote ${file}`);
  if (existsSync(join(here, 'README.md'))) regenerateReadme(join(here, 'README.md'), join(here, 'results'));
  return result;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await runPrecisionBench();
  process.exit(0);
}
