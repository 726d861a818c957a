// Recipe 1 (Keras): InceptionV3 on 28x28 digits.
//
//   inp = Input((28, 28, 1)); x = UpSampling3D(size=(3, 3, 3))(inp)       # 28x28x1 -> 84x84x3
//   base = InceptionV3(include_top=False, weights='imagenet'); x = base(x)
//   x = GlobalAveragePooling2D()(x); x = Dense(1024, activation='relu')(x); x = Dropout(0.5)(x)
//   out = Dense(10, activation='softmax')(x)
//   for layer in base.layers[:64]: layer.trainable = False
//   model.compile(Adam(), 'categorical_crossentropy', ['accuracy'])
//   model.fit(x, y, epochs=5, batch_size=64, validation_split=0.2); model.evaluate(xt, yt)
//   plot accuracy and loss, train vs validation; predict three test images
//
// The same run as one command (Fashion-MNIST stands in for MNIST digits):
//   wgft finetune --model inception_v3 --weights imagenet --front upsampling3d:3:3:3 --input-shape 28,28,1 \
//     --data fashion-mnist --head gap,dense:1024:relu,dropout:0.5,dense:10:softmax --freeze 64 \
//     --optimizer adam --lr 1e-3 --epochs 5 --batch-size 64 --validation-split 0.2 --out out/01-digits
//
//   node --import tsx examples/01-inceptionv3-digits.ts            reduced: 60 images, 2 epochs (CPU, ~1-2 min)
//   node --import tsx examples/01-inceptionv3-digits.ts --full     the recipe: 60000 images, 5 epochs, batch 64
//   options: --n IMAGES --epochs E --batch B --test T --out DIR
// Weights: the Keras cache's inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5 when present;
// otherwise the trained Keras InceptionV3 of ../shared/fixtures/tfjs/nsfwjs_inception_v3 (same
// topology, 5-class NSFW model) stands in; without either, seeded random weights (mechanics only).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  Adam, Input, InceptionV3, Model, UpSampling3D, arrayData, compile, freeze, getLoss, getMetric, setSeed, headLayers, saveKerasH5,
  type Layer, type History,
} from '../src/index.ts';
import { loadKerasWeightFile } from '../src/node/keras-weights.ts';
import { writePlots } from '../src/node/plots.ts';
import { fashionArrays } from '../src/cli/fashion-link.ts';
import { cliArgs, device, FASHION_CLASSES, isMain, kerasCacheWeights, loadTfjsInto, NSFW_INCEPTION, pct, secs, snapshot, weightChanges, writeJson } from './common.ts';

export interface DigitsOptions {
  n: number;
  epochs: number;
  batchSize: number;
  testImages: number;
  out: string;
  weights?: 'auto' | 'random';
  seed?: number;
  log?: (s: string) => void;
}

export const REDUCED: DigitsOptions = { n: 60, epochs: 2, batchSize: 16, testImages: 30, out: 'out/01-digits' };
export const FULL: DigitsOptions = { n: 60000, epochs: 5, batchSize: 64, testImages: 10000, out: 'out/01-digits' };

/** The recipe's model: Input 28x28x1 -> UpSampling3D(3,3,3) -> InceptionV3 (no top) -> head. */
export function digitsModel(base: Model): Model {
  const inp = Input([28, 28, 1], 'input_1');
  let x = new UpSampling3D({ size: [3, 3, 3], name: 'up_sampling3d_1' }).apply(inp);
  x = base.apply(x);
  for (const l of headLayers('gap,dense:1024:relu,dropout:0.5,dense:10:softmax', new Set(base.layers.map((l: Layer) => l.name)))) x = l.apply(x);
  return new Model({ inputs: inp, outputs: x, name: 'digits_inception_v3' });
}

/** Fashion-MNIST rows [from, from+n) as [n,28,28,1] in [0,1] (x/255, as the recipe) and one-hot labels. */
function digits(split: 'train' | 't10k', n: number): { x: Float32Array; y: Float32Array; labels: number[] } {
  const a = fashionArrays(split);
  n = Math.min(n, a.labels.length);
  const y = new Float32Array(n * 10);
  const labels = Array.from(a.labels.subarray(0, n));
  labels.forEach((c, i) => (y[i * 10 + c] = 1));
  return { x: a.x.slice(0, n * 784), y, labels };
}

export interface DigitsResult {
  history: History;
  test: Record<string, number>;
  predictions: { label: string; predicted: string; p: number }[];
  weights: string;
  frozen: Awaited<ReturnType<typeof weightChanges>>;
  frozenLayers: number;
  seconds: number;
  files: string[];
}

export async function runDigits(o: DigitsOptions): Promise<DigitsResult> {
  const log = o.log ?? console.log;
  const t0 = performance.now();
  setSeed(o.seed ?? 0);
  const base = InceptionV3({ includeTop: false, inputShape: [84, 84, 3] });
  const cache = kerasCacheWeights('inception_v3', false);
  let weights = 'seeded random';
  if (o.weights !== 'random' && cache.path) {
    await loadKerasWeightFile(base, cache.path);
    weights = `ImageNet (${cache.path})`;
  } else if (o.weights !== 'random' && existsSync(NSFW_INCEPTION)) {
    if (cache.hint) log(cache.hint);
    const r = await loadTfjsInto(base, NSFW_INCEPTION);
    weights = `stand-in: nsfwjs InceptionV3 (${r.loaded.length} tensors from ${NSFW_INCEPTION})`;
  } else if (cache.hint) log(cache.hint);
  log(`weights: ${weights}`);
  const frozenLayers = freeze(base, 64); // base.layers[:64]
  const model = digitsModel(base);
  const train = digits('train', o.n);
  const test = digits('t10k', o.testImages);
  const before = await snapshot(model);
  const trainer = compile(model, { optimizer: new Adam({ learningRate: 1e-3 }), loss: getLoss('categorical_crossentropy'), metrics: [getMetric('accuracy', 'categorical_crossentropy')] });
  log(`model: ${model.countParams()} parameters, ${model.trainableWeights.reduce((s, v) => s + v.size, 0)} trainable; base.layers[:64] frozen; ${o.n} images (validation_split 0.2), ${o.epochs} epochs, batch ${o.batchSize}`);
  const history = await trainer.fit(arrayData(train.x, [train.labels.length, 28, 28, 1], train.y, [train.labels.length, 10]), {
    epochs: o.epochs,
    batchSize: o.batchSize,
    validationSplit: 0.2,
    callbacks: [],
  });
  history.epoch.forEach((e, i) => {
    const h = history.history;
    log(`epoch ${e + 1}: loss ${h.loss[i].toFixed(4)} acc ${pct(h.accuracy[i])} val_loss ${h.val_loss?.[i]?.toFixed(4)} val_acc ${pct(h.val_accuracy?.[i] ?? NaN)} (${h.seconds[i].toFixed(1)}s)`);
  });
  const nt = test.labels.length;
  const testData = arrayData(test.x, [nt, 28, 28, 1], test.y, [nt, 10]);
  const ev = await trainer.evaluate(testData, { batchSize: o.batchSize });
  log(`test (${nt} images): loss ${ev.loss.toFixed(4)}, accuracy ${pct(ev.accuracy)}`);
  const three = await trainer.predict({ x: test.x.slice(0, 3 * 784), xShape: [3, 28, 28, 1] });
  const predictions = [0, 1, 2].map((i) => {
    const row = Array.from(three.data.subarray(i * 10, i * 10 + 10));
    const k = row.indexOf(Math.max(...row));
    return { label: FASHION_CLASSES[test.labels[i]], predicted: FASHION_CLASSES[k], p: row[k] };
  });
  for (const p of predictions) log(`test image: ${p.label} -> predicted ${p.predicted} (${pct(p.p)})`);
  const frozen = await weightChanges(model, before);
  mkdirSync(o.out, { recursive: true });
  const files = await writePlots(o.out, history);
  writeFileSync(join(o.out, 'model.h5'), await saveKerasH5(model));
  files.push(join(o.out, 'model.h5'));
  const seconds = secs(t0);
  writeJson(join(o.out, 'result.json'), { weights, images: o.n, epochs: o.epochs, batchSize: o.batchSize, history: history.history, test: ev, predictions, seconds });
  log(`wrote ${files.join(', ')}; ${seconds.toFixed(0)}s`);
  return { history, test: ev, predictions, weights, frozen, frozenLayers, seconds, files };
}

if (isMain(import.meta.url)) {
  const a = cliArgs();
  const base = a.full ? FULL : REDUCED;
  await device();
  await runDigits({
    ...base,
    n: Number(a.get('n') ?? base.n),
    epochs: Number(a.get('epochs') ?? base.epochs),
    batchSize: Number(a.get('batch') ?? base.batchSize),
    testImages: Number(a.get('test') ?? base.testImages),
    out: a.out ?? base.out,
  });
  process.exit(0);
}
