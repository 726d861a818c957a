// Recipe 2 (Keras): VGG16 regression of Fashion-MNIST "prices".
//
//   means = np.random.normal(50, 20, 10); prices = np.random.normal(means[y], 5)   # one mean per class, one std
//   prices = (prices - prices.mean()) / prices.std()                               # normalized
//   x: 28x28 grayscale -> 48x48 RGB
//   base = VGG16(include_top=False, weights='imagenet', input_shape=(48, 48, 3))
//   model = Sequential([base, Flatten(), Dense(256, activation='relu'), Dropout(0.5), Dense(1), Activation('linear')])
//   for layer in model.layers[0].layers[:15]: layer.trainable = False
//   model.compile(RMSprop(lr=1e-4, decay=1e-6), loss='mse'); model.fit(...); model.save('model.h5')
//   plot loss/val_loss; model.predict(x_test) * std + mean
//
// The same run as one command (--targets draws the per-class prices and normalizes them):
//   wgft finetune --model vgg16 --weights imagenet --input-shape 48,48,3 --data fashion-mnist \
//     --targets class-normal:50:20:5 --head flatten,dense:256:relu,dropout:0.5,dense:1:linear --freeze 15 \
//     --optimizer rmsprop --lr 1e-4 --decay 1e-6 --loss mse --epochs 5 --batch-size 64 --out out/02-prices
//
//   node --import tsx examples/02-vgg16-regression.ts            reduced: 96 images, 3 epochs (~1 min)
//   node --import tsx examples/02-vgg16-regression.ts --full     60000 images, 5 epochs, batch 64
// Weights: vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5 from the Keras cache when present; no
// trained VGG16 exists in the fixtures, so otherwise seeded random weights (mechanics only).
import { join } from 'node:path';
import { mkdirSync, writeFileSync } from 'node:fs';
import {
  Flatten, Dense, Dropout, Activation, Model, RMSprop, VGG16, arrayData, compile, freeze, getLoss, getMetric, normalize, saveKerasH5, setSeed, resizeBilinear,
  type History,
} from '../src/index.ts';
import { loadKerasWeightFile } from '../src/node/keras-weights.ts';
import { writePlots } from '../src/node/plots.ts';
import { fashionArrays } from '../src/cli/fashion-link.ts';
import { cliArgs, device, FASHION_CLASSES, isMain, kerasCacheWeights, secs, snapshot, weightChanges, writeJson } from './common.ts';

export interface PricesOptions {
  n: number;
  epochs: number;
  batchSize: number;
  testImages: number;
  size: number;
  out: string;
  seed?: number;
  weights?: 'auto' | 'random';
  /** Learning rate (the recipe's 1e-4). */
  lr?: number;
  log?: (s: string) => void;
}

export const REDUCED: PricesOptions = { n: 96, epochs: 3, batchSize: 16, testImages: 32, size: 48, out: 'out/02-prices' };
export const FULL: PricesOptions = { n: 60000, epochs: 5, batchSize: 64, testImages: 10000, size: 48, out: 'out/02-prices' };

/** Seeded normal draws (Box-Muller). */
function normal(seed: number): () => number {
  let s = seed >>> 0 || 1;
  const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 4294967296;
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

/** One mean per class (normal 50, 20) and a price per image (normal around its class mean, std 5). */
export function prices(labels: ArrayLike<number>, seed = 0): { price: Float32Array; means: number[] } {
  const r = normal(seed + 7);
  const means = Array.from({ length: 10 }, () => Math.max(5, 50 + 20 * r()));
  return { price: Float32Array.from(labels, (c) => means[c] + 5 * r()), means };
}

/** Images [from, from+n) resized to size x size, made RGB, with VGG16's preprocess_input (caffe). */
function images(split: 'train' | 't10k', n: number, size: number): { x: Float32Array; labels: Uint8Array } {
  const a = fashionArrays(split);
  n = Math.min(n, a.labels.length);
  const px = size * size;
  const x = new Float32Array(n * px * 3);
  for (let i = 0; i < n; i++) {
    const g = resizeBilinear({ width: 28, height: 28, channels: 1, data: a.x.subarray(i * 784, (i + 1) * 784) }, size, size).data;
    const rgb = new Float32Array(px * 3);
    for (let p = 0; p < px; p++) rgb[3 * p] = rgb[3 * p + 1] = rgb[3 * p + 2] = g[p] * 255;
    x.set(normalize(rgb, 'caffe'), i * px * 3);
  }
  return { x, labels: a.labels.slice(0, n) };
}

export interface PricesResult {
  history: History;
  testMse: number;
  /** Test RMSE in price units (denormalized). */
  testRmse: number;
  predictions: { class: string; price: number; predicted: number }[];
  weights: string;
  frozen: Awaited<ReturnType<typeof weightChanges>>;
  seconds: number;
  files: string[];
}

export async function runPrices(o: PricesOptions): Promise<PricesResult> {
  const log = o.log ?? console.log;
  const t0 = performance.now();
  setSeed(o.seed ?? 0);
  const base = VGG16({ includeTop: false, inputShape: [o.size, o.size, 3] });
  const cache = kerasCacheWeights('vgg16', false);
  let weights = 'seeded random (no trained VGG16 here: mechanics only)';
  if (o.weights !== 'random' && cache.path) {
    await loadKerasWeightFile(base, cache.path);
    weights = `ImageNet (${cache.path})`;
  } else if (cache.hint) log(cache.hint);
  log(`weights: ${weights}`);
  freeze(base, 15); // base.layers[:15]: block1..block4 (InputLayer = 0); block5 trains
  let x = new Flatten({ name: 'flatten' }).apply(base.outputs[0]);
  x = new Dense({ units: 256, activation: 'relu', name: 'dense_1' }).apply(x);
  x = new Dropout({ rate: 0.5, name: 'dropout_1' }).apply(x);
  x = new Dense({ units: 1, name: 'dense_2' }).apply(x);
  x = new Activation({ activation: 'linear', name: 'activation_1' }).apply(x);
  const model = new Model({ inputs: base.inputs, outputs: x, name: 'vgg16_prices' });

  const train = images('train', o.n, o.size);
  const test = images('t10k', o.testImages, o.size);
  const all = prices([...train.labels, ...test.labels], o.seed ?? 0);
  const trainPrice = all.price.subarray(0, train.labels.length);
  const mean = trainPrice.reduce((a, b) => a + b, 0) / trainPrice.length;
  const std = Math.sqrt(trainPrice.reduce((a, b) => a + (b - mean) ** 2, 0) / trainPrice.length) || 1;
  const norm = (p: Float32Array) => p.map((v) => (v - mean) / std);
  const n = train.labels.length;
  const nt = test.labels.length;
  const before = await snapshot(model);
  const trainer = compile(model, { optimizer: new RMSprop({ learningRate: o.lr ?? 1e-4, decay: 1e-6 }), loss: getLoss('mse'), metrics: [getMetric('mae', 'mse')] });
  log(`model: ${model.countParams()} parameters, ${model.trainableWeights.reduce((s, v) => s + v.size, 0)} trainable; ${n} images ${o.size}x${o.size}x3; prices mean ${mean.toFixed(1)} std ${std.toFixed(1)}`);
  const history = await trainer.fit(arrayData(train.x, [n, o.size, o.size, 3], norm(trainPrice), [n, 1]), { epochs: o.epochs, batchSize: o.batchSize, validationSplit: 0.2, seed: o.seed ?? 0 });
  history.epoch.forEach((e, i) => log(`epoch ${e + 1}: mse ${history.history.loss[i].toFixed(4)} val_mse ${history.history.val_loss?.[i]?.toFixed(4)} (${history.history.seconds[i].toFixed(1)}s)`));
  const testPrice = all.price.subarray(n);
  const ev = await trainer.evaluate(arrayData(test.x, [nt, o.size, o.size, 3], norm(testPrice), [nt, 1]), { batchSize: o.batchSize });
  const pred = await trainer.predict({ x: test.x, xShape: [nt, o.size, o.size, 3] });
  const predicted = Array.from(pred.data, (v) => v * std + mean);
  const testRmse = Math.sqrt(predicted.reduce((a, p, i) => a + (p - testPrice[i]) ** 2, 0) / nt);
  const predictions = predicted.slice(0, 5).map((p, i) => ({ class: FASHION_CLASSES[test.labels[i]], price: testPrice[i], predicted: p }));
  log(`test (${nt} images): mse ${ev.loss.toFixed(4)} (normalized), rmse ${testRmse.toFixed(2)} (price units)`);
  for (const p of predictions) log(`  ${p.class}: price ${p.price.toFixed(2)}, predicted ${p.predicted.toFixed(2)}`);
  const frozen = await weightChanges(model, before);
  mkdirSync(o.out, { recursive: true });
  const files = await writePlots(o.out, history);
  writeFileSync(join(o.out, 'model.h5'), await saveKerasH5(model));
  files.push(join(o.out, 'model.h5'));
  const seconds = secs(t0);
  writeJson(join(o.out, 'result.json'), { weights, images: n, size: o.size, epochs: o.epochs, history: history.history, testMse: ev.loss, testRmse, means: all.means, predictions, seconds });
  log(`wrote ${files.join(', ')}; ${seconds.toFixed(0)}s`);
  return { history, testMse: ev.loss, testRmse, predictions, weights, frozen, seconds, files };
}

if (isMain(import.meta.url)) {
  const a = cliArgs();
  const base = a.full ? FULL : REDUCED;
  await device();
  await runPrices({
    ...base,
    n: Number(a.get('n') ?? base.n),
    epochs: Number(a.get('epochs') ?? base.epochs),
    batchSize: Number(a.get('batch') ?? base.batchSize),
    testImages: Number(a.get('test') ?? base.testImages),
    lr: a.get('lr') ? Number(a.get('lr')) : undefined,
    out: a.out ?? base.out,
  });
  process.exit(0);
}
