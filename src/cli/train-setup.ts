// What finetune, evaluate and demo share: the device line, backbones (file or zoo id), data sets
// (image folders, Fashion-MNIST), optimizers/losses/metrics by Keras name, and saving.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Device } from '../gpu/device.ts';
import type { Model } from '../graph/model.ts';
import type { Shape } from '../graph/tensor.ts';
import { setSeed } from '../graph/initializers.ts';
import { loadModelFile } from '../node/models.ts';
import { zooModel } from '../node/keras-weights.ts';
import { imageFolder } from '../node/image-folder.ts';
import { ZOO, zooEntry } from '../zoo/index.ts';
import { saveKerasH5 } from '../loaders/keras/save.ts';
import { fromDataset, type DataSource, type LossFn, type MetricFn } from '../train/fit.ts';
import type { Optimizer } from '../train/optimizer.ts';
import { getLoss } from '../train/losses.ts';
import { getMetric } from '../train/metrics.ts';
import { getOptimizer } from '../train/optimizers/index.ts';
import * as fashion from './fashion-link.ts';

export function deviceLine(d: Device): string {
  const a = d.adapter as { description?: string; vendor?: string; architecture?: string; backend?: string };
  const name = a.description || a.vendor || 'unnamed adapter';
  const cpu = /llvmpipe|swiftshader|lavapipe|software/i.test(`${name} ${a.architecture ?? ''}`) || a.backend === 'opengles';
  return `${name}${a.architecture ? ` ${a.architecture}` : ''} (${a.backend ?? '?'} backend${cpu ? ', CPU fallback' : ''})`;
}

export interface BackboneOptions {
  model: string;
  weights?: string;
  cut?: string;
  inputShape?: string;
  top?: boolean;
}

/** The backbone (cut), its preprocessing and input shape. */
export async function loadBackbone(o: BackboneOptions, seed: number): Promise<{ backbone: Model; preprocess: string; inputShape: Shape }> {
  setSeed(seed);
  const inputShape = o.inputShape ? o.inputShape.split(',').map(Number) : undefined;
  let model: Model;
  let preprocess = 'none';
  let cut = o.cut;
  if (ZOO[o.model.toLowerCase()]) {
    const e = zooEntry(o.model);
    model = await zooModel(e.id, { weights: o.weights ?? 'imagenet', includeTop: !!o.cut, inputShape });
    preprocess = e.preprocess;
  } else {
    model = (await loadModelFile(o.model, { inputShape })).model;
    if (!cut && o.top === false) cut = model.layers[model.layers.length - 2]?.name;
  }
  const backbone = cut ? model.cut(cut) : model;
  return { backbone, preprocess, inputShape: backbone.inputShape };
}

export interface LoadedData {
  classNames: string[];
  regression: boolean;
  train(oneHot: number): DataSource;
  validation: ((oneHot: number) => DataSource) | null;
}

/** An image folder (class per subfolder) or `fashion-mnist` / `fashion-mnist:test` (resized/replicated to the input shape). */
export async function loadData(
  spec: string,
  o: { inputShape: Shape; preprocess: string; validationSplit: number; seed: number; limit?: number },
): Promise<LoadedData> {
  const [h, w, c] = o.inputShape;
  if (spec === 'fashion-mnist' || spec.startsWith('fashion-mnist:')) {
    const ds = await fashion.fashionMnist({ height: h, width: w, channels: c ?? 1, limit: o.limit, split: spec.endsWith(':test') ? 't10k' : 'train' });
    const n = ds.size;
    const nVal = Math.floor(n * o.validationSplit);
    const all = (k: number) => fromDataset(ds, { oneHot: k });
    const { subset } = await import('../train/fit.ts');
    return {
      classNames: ds.classNames,
      regression: false,
      train: (k) => subset(all(k), 0, n - nVal),
      validation: nVal ? (k) => subset(all(k), n - nVal, n) : null,
    };
  }
  const f = imageFolder(spec, { width: w, height: h, mode: o.preprocess as never, validationSplit: o.validationSplit, seed: o.seed });
  const limit = (d: DataSource) => (o.limit && o.limit < d.size ? { ...d, size: o.limit } : d);
  return {
    classNames: f.classNames,
    regression: false,
    train: (k) => limit(fromDataset(f.train, { oneHot: k })),
    validation: f.validation ? (k) => fromDataset(f.validation!, { oneHot: k }) : null,
  };
}

export async function makeOptimizer(name: string, learningRate: number, momentum?: number): Promise<Optimizer> {
  return getOptimizer(name, { learningRate, ...(momentum !== undefined ? { momentum } : {}) });
}

export async function makeLoss(name: string): Promise<LossFn> {
  return getLoss(name);
}

export async function makeMetrics(names: string[], lossName: string, outputUnits = 0): Promise<MetricFn[]> {
  return names.map((n) => getMetric(n, lossName, outputUnits));
}

/** Writes the model as Keras H5; false when it cannot be saved (the reason is printed). */
export async function saveModel(model: Model, path: string, classNames?: string[]): Promise<boolean> {
  try {
    const bytes = await saveKerasH5(model, { classNames });
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, bytes);
    if (classNames) writeFileSync(path.replace(/\.h5$/, '') + '.classes.json', JSON.stringify(classNames) + '\n');
    return true;
  } catch (e) {
    console.error(`could not save ${path}: ${(e as Error).message}`);
    return false;
  }
}
