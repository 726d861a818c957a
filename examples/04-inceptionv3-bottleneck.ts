// Recipe 4: InceptionV3 bottleneck features (TensorFlow's retrain.py / Keras's "bottleneck" recipe).
//
//   base = InceptionV3(include_top=False, weights='imagenet', pooling='avg')     # 2048-d bottleneck
//   feats = base.predict(images)                                                # once per image
//   head = Sequential([Dense(classes, activation='softmax', input_shape=(2048,))])
//   head.fit(feats, y, epochs=...)
//
// Here the frozen base and the head are one model; the trainer runs the frozen prefix once per image
// in the first epoch, keeps the 2048-d features (bottleneck cache) and trains the head from them
// afterwards. The run is repeated with the cache off to show the speedup.
//
// The same run as one command:
//   wgft finetune --model inception_v3 --weights imagenet --data DIR --head gap,dense:CLASSES:softmax \
//     --freeze all --epochs 10 --batch-size 32 --validation-split 0.2 --out out/04-bottleneck
//
//   node --import tsx examples/04-inceptionv3-bottleneck.ts           reduced: 4 classes x 16 images, 75x75, 4 epochs
//   node --import tsx examples/04-inceptionv3-bottleneck.ts --full    8 classes x 200 images, 299x299, 10 epochs
//   options: --data DIR (your own image folder) --per-class N --size S --epochs E --out DIR
// Weights: the Keras cache's InceptionV3 notop file; else the trained nsfwjs InceptionV3 fixture.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Adam, InceptionV3, compile, fromDataset, freeze, getLoss, getMetric, setSeed, addHead, type History, type EpochStats } from '../src/index.ts';
import { imageFolder } from '../src/node/image-folder.ts';
import { loadKerasWeightFile } from '../src/node/keras-weights.ts';
import { writePlots } from '../src/node/plots.ts';
import { cliArgs, device, isMain, kerasCacheWeights, loadTfjsInto, NSFW_INCEPTION, pct, secs, snapshot, weightChanges, writeFashionFolder, writeJson } from './common.ts';

export interface BottleneckOptions {
  /** An image folder, or null to write Fashion-MNIST classes as one. */
  data: string | null;
  classes: number[];
  perClass: number;
  size: number;
  epochs: number;
  /** Epochs of the comparison run without the cache. */
  uncachedEpochs: number;
  batchSize: number;
  out: string;
  seed?: number;
  log?: (s: string) => void;
}

export const REDUCED: BottleneckOptions = { data: null, classes: [0, 1, 7, 8], perClass: 16, size: 75, epochs: 4, uncachedEpochs: 2, batchSize: 16, out: 'out/04-bottleneck' };
export const FULL: BottleneckOptions = { data: null, classes: [0, 1, 2, 3, 5, 7, 8, 9], perClass: 200, size: 299, epochs: 10, uncachedEpochs: 2, batchSize: 32, out: 'out/04-bottleneck' };

export interface BottleneckResult {
  history: History;
  cached: EpochStats[];
  uncached: EpochStats[];
  /** Mean seconds of the epochs after the first, uncached over cached. */
  speedup: number;
  cutLayer: string;
  weights: string;
  frozen: Awaited<ReturnType<typeof weightChanges>>;
  seconds: number;
  files: string[];
}

let hinted = false;
async function build(o: BottleneckOptions, log: (s: string) => void) {
  setSeed(o.seed ?? 0);
  const base = InceptionV3({ includeTop: false, inputShape: [o.size, o.size, 3] });
  const cache = kerasCacheWeights('inception_v3', false);
  let weights = 'seeded random';
  if (cache.path) {
    await loadKerasWeightFile(base, cache.path);
    weights = `ImageNet (${cache.path})`;
  } else if (existsSync(NSFW_INCEPTION)) {
    const r = await loadTfjsInto(base, NSFW_INCEPTION);
    weights = `stand-in: nsfwjs InceptionV3 (${r.loaded.length} tensors)`;
  }
  if (!cache.path && !hinted) log(cache.hint);
  hinted = true;
  freeze(base, 'all');
  setSeed((o.seed ?? 0) + 1);
  const { model } = addHead(base, `gap,dense:${o.classes.length}:softmax`, 'bottleneck');
  return { model, weights };
}

export async function runBottleneck(o: BottleneckOptions): Promise<BottleneckResult> {
  const log = o.log ?? console.log;
  const t0 = performance.now();
  const root = o.data ?? join(o.out, 'images');
  if (!o.data) writeFashionFolder(root, o.classes, o.perClass);
  const f = imageFolder(root, { width: o.size, height: o.size, mode: 'inception', validationSplit: 0.2, seed: o.seed ?? 0 });
  const k = f.classNames.length;
  const train = fromDataset(f.train, { oneHot: k });
  const val = f.validation ? fromDataset(f.validation, { oneHot: k }) : undefined;
  log(`data: ${root}: ${train.size} train, ${val?.size ?? 0} validation images, ${k} classes (${f.classNames.join(', ')}), ${o.size}x${o.size}`);

  const fit = async (cache: boolean, epochs: number) => {
    const { model, weights } = await build(o, log);
    const before = await snapshot(model);
    const t = compile(model, { optimizer: new Adam({ learningRate: 1e-3 }), loss: getLoss('categorical_crossentropy'), metrics: [getMetric('accuracy', 'categorical_crossentropy')] });
    const history = await t.fit(train, { epochs, batchSize: o.batchSize, validationData: val, seed: o.seed ?? 0, cache });
    const frozen = await weightChanges(model, before);
    const cutLayer = t.split?.cutLayer.name ?? '';
    model.dispose();
    return { history, stats: t.epochStats, weights, frozen, cutLayer };
  };
  const a = await fit(true, o.epochs);
  log(`weights: ${a.weights}; cached at ${a.cutLayer} (the 2048-d bottleneck)`);
  a.history.epoch.forEach((e, i) => {
    const h = a.history.history;
    log(`epoch ${e + 1} [${a.stats[i].cache}]: loss ${h.loss[i].toFixed(4)} acc ${pct(h.accuracy[i])} val_acc ${pct(h.val_accuracy?.[i] ?? NaN)} ${a.stats[i].seconds.toFixed(2)}s`);
  });
  const b = await fit(false, o.uncachedEpochs);
  const later = (s: EpochStats[]) => s.slice(1).reduce((t, e) => t + e.seconds, 0) / Math.max(1, s.length - 1);
  const speedup = later(b.stats) / later(a.stats);
  log(`epochs after the first: ${later(b.stats).toFixed(2)}s without the cache, ${later(a.stats).toFixed(2)}s with it (x${speedup.toFixed(1)})`);
  const files = await writePlots(o.out, a.history);
  const seconds = secs(t0);
  writeJson(join(o.out, 'result.json'), { weights: a.weights, train: train.size, validation: val?.size ?? 0, size: o.size, history: a.history.history, cached: a.stats, uncached: b.stats, speedup, seconds });
  log(`wrote ${files.join(', ')}; ${seconds.toFixed(0)}s`);
  return { history: a.history, cached: a.stats, uncached: b.stats, speedup, cutLayer: a.cutLayer, weights: a.weights, frozen: a.frozen, seconds, files };
}

if (isMain(import.meta.url)) {
  const a = cliArgs();
  const base = a.full ? FULL : REDUCED;
  await device();
  await runBottleneck({
    ...base,
    data: a.get('data') ?? null,
    perClass: Number(a.get('per-class') ?? base.perClass),
    size: Number(a.get('size') ?? base.size),
    epochs: Number(a.get('epochs') ?? base.epochs),
    out: a.out ?? base.out,
  });
  process.exit(0);
}
