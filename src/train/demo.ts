// The demo behind `wgft demo`: transfer learning on real data, small enough for the CPU fallback.
// 1. pretrain a small CNN on six Fashion-MNIST classes; 2. save it as Keras H5 and load it back;
// 3. freeze its convolutional prefix and train a new head on the four other classes from a few
// images per class (the frozen prefix is computed once: bottleneck cache); 4. train the same
// network from scratch on those images; 5. compare test accuracies. Data and file writing come
// from the caller (src/cli/demo.ts), so this runs in a browser too.
import type { KerasConfig, Layer } from '../graph/layer.ts';
import { LAYER_CLASSES } from '../graph/layers/registry.ts';
import { Sequential, type Model } from '../graph/model.ts';
import { setSeed } from '../graph/initializers.ts';
import { bytesSource } from '../loaders/byte-source.ts';
import { loadKerasModel } from '../loaders/keras/load.ts';
import { saveKerasH5 } from '../loaders/keras/save.ts';
import { compile, type DataSource, type LossFn, type MetricFn, type Trainer } from './fit.ts';
import type { Callback } from './callbacks/callback.ts';
import type { Optimizer } from './optimizer.ts';
import { freeze, unfreezeFrom } from './freeze.ts';
import { addHead } from './head.ts';

export interface DemoData {
  /** Six classes, many images: the "pretrained" model's data. */
  pretrain: DataSource;
  /** Four other classes, few images per class (one-hot targets). */
  fewShot: DataSource;
  /** Test images of the four new classes. */
  test: DataSource;
  pretrainClasses: string[];
  newClasses: string[];
}

export interface DemoOptions {
  pretrainEpochs: number;
  fineTuneEpochs: number;
  /** Second phase: epochs with the whole network unfrozen at a tenth of the rate (0 to skip). */
  unfreezeEpochs?: number;
  scratchEpochs: number;
  batchSize: number;
  seed: number;
  optimizer: (lr: number) => Optimizer;
  loss: LossFn;
  accuracy: MetricFn;
  /** Receives the pretrained model's H5 bytes (to write model files). */
  saveH5?: (name: string, bytes: Uint8Array) => void | Promise<void>;
  log?: (line: string) => void;
  /** Extra callbacks per phase (progress bars). */
  callbacks?: (phase: string, epochs: number, samples: number) => Callback[];
}

export interface DemoResult {
  pretrainAccuracy: number;
  fineTuneAccuracy: number;
  scratchAccuracy: number;
  seconds: { pretrain: number; fineTune: number; scratch: number };
  bottleneckSpeedup: number | null;
}

const layer = (className: string, config: KerasConfig): Layer => LAYER_CLASSES[className]({ trainable: true, ...config });

/** The demo CNN: two conv blocks (the part that transfers), then a dense classifier. */
export function demoCnn(classes: number): Sequential {
  const conv = (name: string, filters: number) =>
    layer('Conv2D', {
      name,
      filters,
      kernel_size: [3, 3],
      strides: [1, 1],
      padding: 'valid',
      data_format: 'channels_last',
      dilation_rate: [1, 1],
      activation: 'relu',
      use_bias: true,
    });
  const pool = (name: string) => layer('MaxPooling2D', { name, pool_size: [2, 2], strides: [2, 2], padding: 'valid', data_format: 'channels_last' });
  return new Sequential(
    [
      conv('conv1', 16),
      pool('pool1'),
      conv('conv2', 32),
      pool('pool2'),
      layer('Flatten', { name: 'flatten', data_format: 'channels_last' }),
      layer('Dense', { name: 'fc1', units: 64, activation: 'relu', use_bias: true }),
      layer('Dense', { name: 'predictions', units: classes, activation: 'softmax', use_bias: true }),
    ],
    { inputShape: [28, 28, 1], name: 'fashion_cnn' },
  );
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await fn();
  return [r, (performance.now() - t0) / 1000];
}

export async function runDemo(data: DemoData, o: DemoOptions): Promise<DemoResult> {
  const log = o.log ?? (() => {});
  const cbs = (phase: string, epochs: number, n: number) => o.callbacks?.(phase, epochs, n) ?? [];
  const fitArgs = (epochs: number) => ({ epochs, batchSize: o.batchSize, seed: o.seed });

  // 1. Pretrain on six classes.
  setSeed(o.seed);
  const base = demoCnn(data.pretrainClasses.length);
  const pre = compile(base, { optimizer: o.optimizer(1e-3), loss: o.loss, metrics: [o.accuracy] });
  log(`1. pretraining a ${base.countParams()}-parameter CNN on ${data.pretrain.size} images of ${data.pretrainClasses.join(', ')}`);
  const [, tPre] = await timed(() => pre.fit(data.pretrain, { ...fitArgs(o.pretrainEpochs), validationSplit: 0.1, callbacks: cbs('pretrain', o.pretrainEpochs, data.pretrain.size) }));
  const pretrainAccuracy = pre.history.history.val_accuracy?.at(-1) ?? NaN;

  // 2. Save as Keras H5 and load it back.
  const bytes = await saveKerasH5(base);
  await o.saveH5?.('pretrained.h5', bytes);
  const loaded = (await loadKerasModel(bytesSource(bytes, 'pretrained.h5'))).model;
  base.dispose();
  log(`2. saved the pretrained model as Keras H5 (${(bytes.length / 1024).toFixed(0)} KiB) and loaded it back`);

  // 3. Freeze the convolutional prefix, new head on the four new classes.
  const backbone = loaded.cut('flatten');
  freeze(backbone, 'all');
  setSeed(o.seed + 1);
  const { model: tuned } = addHead(backbone, `dense:64:relu,dense:${data.newClasses.length}:softmax`, 'transfer');
  const ft = compile(tuned, { optimizer: o.optimizer(1e-3), loss: o.loss, metrics: [o.accuracy] });
  log(`3. fine-tuning a new head on ${data.fewShot.size} images of ${data.newClasses.join(', ')} (convolutional prefix frozen)`);
  let [, tFt] = await timed(() => ft.fit(data.fewShot, { ...fitArgs(o.fineTuneEpochs), callbacks: cbs('fine-tune', o.fineTuneEpochs, data.fewShot.size) }));
  // Phase 2, as the Keras transfer-learning guide does: unfreeze everything, lower the rate.
  const unfreezeEpochs = o.unfreezeEpochs ?? 0;
  let tuned2 = ft;
  if (unfreezeEpochs > 0) {
    unfreezeFrom(backbone, 0);
    tuned2 = compile(tuned, { optimizer: o.optimizer(1e-4), loss: o.loss, metrics: [o.accuracy] });
    log(`   then ${unfreezeEpochs} epochs with every layer trainable at a tenth of the rate`);
    const [, t2] = await timed(() => tuned2.fit(data.fewShot, { ...fitArgs(unfreezeEpochs), callbacks: cbs('fine-tune (all layers)', unfreezeEpochs, data.fewShot.size) }));
    tFt += t2;
  }
  const fineTuneAccuracy = (await tuned2.evaluate(data.test, { batchSize: 100 })).accuracy;
  const speedup = bottleneckSpeedup(ft);

  // 4. The same network from scratch on the same images.
  setSeed(o.seed + 2);
  const scratchModel = demoCnn(data.newClasses.length);
  const sc = compile(scratchModel, { optimizer: o.optimizer(1e-3), loss: o.loss, metrics: [o.accuracy] });
  log(`4. training the same CNN from scratch on those ${data.fewShot.size} images`);
  const [, tSc] = await timed(() => sc.fit(data.fewShot, { ...fitArgs(o.scratchEpochs), callbacks: cbs('scratch', o.scratchEpochs, data.fewShot.size) }));
  const scratchAccuracy = (await sc.evaluate(data.test, { batchSize: 100 })).accuracy;
  for (const m of [tuned, scratchModel] as Model[]) m.dispose();
  return { pretrainAccuracy, fineTuneAccuracy, scratchAccuracy, seconds: { pretrain: tPre, fineTune: tFt, scratch: tSc }, bottleneckSpeedup: speedup };
}

/** Samples/s of the cached epochs over the epoch that filled the cache. */
export function bottleneckSpeedup(t: Trainer): number | null {
  const fill = t.epochStats.find((e) => e.cache === 'fill');
  const rest = t.epochStats.filter((e) => e.cache === 'gpu' || e.cache === 'host');
  if (!fill || !rest.length) return null;
  return rest.reduce((a, e) => a + e.samplesPerSecond, 0) / rest.length / fill.samplesPerSecond;
}
