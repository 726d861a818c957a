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
import { gluonResnet } from '../zoo/gluon-resnet.ts';
import { loadGluonParams } from '../loaders/mxnet/names.ts';
import { readTfCheckpointFile } from '../node/tf-checkpoint-files.ts';
import { checkpointClasses, checkpointPreprocess, restoreCheckpoint, type CheckpointFlags } from './checkpoint-flags.ts';
import { findGluonWeights, mxnetModelDir, readMxnetParamsFile } from '../node/mxnet.ts';
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
  return `${name}${a.architecture ? ` ${a.architecture}` : ''} (${a.backend ?? '?'} backend${d.isSoftware ? ', CPU fallback' : ''})`;
}

/** `checkpoint` (TF-slim or TF2, loaded by name after the weights), `exclude`, `map`: see checkpoint-flags.ts. */
export interface BackboneOptions extends CheckpointFlags {
  model: string;
  weights?: string;
  cut?: string;
  inputShape?: string;
  top?: boolean;
  /** A zoo id is built with its classifier (predict); otherwise only when `cut` is given. */
  includeTop?: boolean;
  /** Keep the architecture, re-initialize every weight (the from-scratch comparison). */
  fromScratch?: boolean;
}

/** The backbone (cut), its preprocessing and input shape, and a model file's saved class names. */
export async function loadBackbone(o: BackboneOptions, seed: number): Promise<{ backbone: Model; preprocess: string; inputShape: Shape; classNames?: string[] }> {
  setSeed(seed);
  const inputShape = o.inputShape ? o.inputShape.split(',').map(Number) : undefined;
  let model: Model;
  let preprocess = 'none';
  let classNames: string[] | undefined;
  /** A zoo model with no weights but the checkpoint's. */
  let bare = false;
  let cut = o.cut;
  const ck = o.checkpoint && !o.fromScratch ? await readTfCheckpointFile(o.checkpoint) : null;
  if (o.fromScratch && !ZOO[o.model.toLowerCase()]) throw new Error('--from-scratch needs a zoo id (the architecture is rebuilt with new weights)');
  const gluon = ZOO[o.model.toLowerCase()] && /^resnet\d+_v[12]$/.test(o.model.toLowerCase());
  if (gluon) {
    // Gluon zoo: `features` with the MXNet cache's weights (never downloaded); `output` is dropped.
    const e = zooEntry(o.model);
    const shape = inputShape ?? [224, 224, 3];
    const includeTop = !!o.cut || !!o.includeTop;
    if (o.fromScratch || o.weights === 'none') {
      model = gluonResnet(e.id, { inputShape: shape, includeTop }).model;
      bare = true;
    } else {
      const path = o.weights && o.weights !== 'imagenet' ? o.weights : findGluonWeights(e.id);
      if (!path) throw new Error(`${e.id}: no ${e.id}-*.params in ${mxnetModelDir()}: copy the Gluon model-zoo file there (or set MXNET_HOME), or pass --weights FILE.params`);
      const g = gluonResnet(e.id, { inputShape: shape, includeTop });
      model = g.model;
      loadGluonParams(g, (await readMxnetParamsFile(path)).map, { skipMismatch: true, allowMissing: !!o.cut }, path);
    }
    preprocess = e.preprocess;
  } else if (ZOO[o.model.toLowerCase()]) {
    const e = zooEntry(o.model);
    const weights = o.fromScratch || o.weights === 'none' || (o.checkpoint && !o.weights) ? null : (o.weights ?? 'imagenet');
    const includeTop = !!o.cut || !!o.includeTop;
    // The checkpoint's own classifier size (TF-slim InceptionV3: 1001, background first).
    const classes = ck && includeTop && !weights ? (checkpointClasses(ck, o) ?? undefined) : undefined;
    model = await zooModel(e.id, { weights, includeTop, inputShape, classes });
    bare = !weights;
    preprocess = e.preprocess;
  } else {
    const f = await loadModelFile(o.model, { inputShape });
    model = f.model;
    classNames = f.classNames ?? undefined;
    if (!cut && o.top === false) cut = model.layers[model.layers.length - 2]?.name;
  }
  if (ck) {
    // Finetune puts new layers on top (missing weights are fine); predict on a bare zoo model needs
    // them all unless --exclude leaves some out on purpose.
    restoreCheckpoint(model, ck, { ...o, checkpoint: o.checkpoint! }, !o.includeTop || !bare || !!o.exclude);
    preprocess = checkpointPreprocess(ck, o) ?? preprocess;
  }
  const backbone = cut ? model.cut(cut) : model;
  return { backbone, preprocess, inputShape: backbone.inputShape, classNames };
}

import { parseTargets, withTargets } from '../train/targets.ts';

export interface LoadedData {
  classNames: string[];
  regression: boolean;
  train(oneHot: number): DataSource;
  validation: ((oneHot: number) => DataSource) | null;
}

/** An image folder (class per subfolder) or `fashion-mnist` / `fashion-mnist:test` (resized/replicated to the input shape). */
export async function loadData(
  spec: string,
  o: { inputShape: Shape; preprocess: string; validationSplit: number; seed: number; limit?: number; crop?: string; targets?: string },
): Promise<LoadedData> {
  const d = await loadClassData(spec, o);
  if (!o.targets) return d;
  // Regression: class indices (oneHot 0) turned into values by the targets spec.
  const fn = parseTargets(o.targets, d.classNames);
  return {
    classNames: d.classNames,
    regression: true,
    train: () => withTargets(d.train(0), fn),
    validation: d.validation ? () => withTargets(d.validation!(0), fn) : null,
  };
}

async function loadClassData(
  spec: string,
  o: { inputShape: Shape; preprocess: string; validationSplit: number; seed: number; limit?: number; crop?: string },
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
  const f = imageFolder(spec, { width: w, height: h, mode: o.preprocess as never, crop: (o.crop ?? 'none') as never, validationSplit: o.validationSplit, seed: o.seed });
  const limit = (d: DataSource) => (o.limit && o.limit < d.size ? { ...d, size: o.limit } : d);
  return {
    classNames: f.classNames,
    regression: false,
    train: (k) => limit(fromDataset(f.train, { oneHot: k })),
    validation: f.validation ? (k) => fromDataset(f.validation!, { oneHot: k }) : null,
  };
}

export async function makeOptimizer(name: string, learningRate: number, momentum?: number, decay?: number): Promise<Optimizer> {
  return getOptimizer(name, { learningRate, ...(momentum !== undefined ? { momentum } : {}), ...(decay ? { decay } : {}) });
}

export async function makeLoss(name: string, fromLogits = false): Promise<LossFn> {
  return getLoss(name, fromLogits ? { fromLogits } : {});
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
