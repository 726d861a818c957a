// `weights: 'imagenet'` for zoo models: the keras.applications weight file from the Keras cache
// (downloaded when missing), loaded into the model built in code in Keras's order (as
// keras.applications' model.load_weights does).
import type { Model } from '../graph/model.ts';
import { buildZoo, imagenetWeightFile, ZOO, type ZooOptions } from '../zoo/index.ts';
import { openH5Bytes } from '../loaders/keras/h5.ts';
import { loadKerasWeights } from '../loaders/keras/load.ts';
import { fileSource } from './files.ts';
import { getFile, type Progress } from './download.ts';

export interface ZooLoadOptions extends ZooOptions {
  /** 'imagenet', a path to a Keras weight file, or null (random). Default null. */
  weights?: 'imagenet' | string | null;
  cacheDir?: string;
  progress?: Progress;
  offline?: boolean;
}

/** Path of the cached ImageNet weight file for this zoo model (downloading it when needed). */
export async function imagenetWeightsPath(id: string, opts: ZooLoadOptions = {}): Promise<string> {
  const f = imagenetWeightFile(id, opts);
  return getFile(f.fileName, f.url, { hash: f.hash, cacheDir: opts.cacheDir, progress: opts.progress, offline: opts.offline });
}

/** Loads a Keras H5 weight file into a model, layer by layer in Keras order. */
export async function loadKerasWeightFile(model: Model, path: string): Promise<void> {
  const src = fileSource(path);
  try {
    const h = await openH5Bytes(src);
    try {
      loadKerasWeights(model, h, { by: 'order' });
    } finally {
      h.close();
    }
  } finally {
    src.close();
  }
}

/** Builds a zoo model and loads its weights: `zooModel('vgg16', { weights: 'imagenet', includeTop: false })`. */
export async function zooModel(id: string, opts: ZooLoadOptions = {}): Promise<Model> {
  if (opts.weights === 'imagenet' && (opts.includeTop ?? true) && (opts.classes ?? 1000) !== 1000) {
    throw new Error(`${id}: weights 'imagenet' with the top need classes 1000, got ${opts.classes}; pass includeTop: false for another head`);
  }
  const size = ZOO[id]?.defaultSize;
  if (opts.weights === 'imagenet' && (opts.includeTop ?? true) && opts.inputShape && id !== 'mobilenet' && id !== 'mobilenet_v2' && (opts.inputShape[0] !== size || opts.inputShape[1] !== size)) {
    throw new Error(`${id}: weights 'imagenet' with the top need the input [${size},${size},3], got [${opts.inputShape}]; pass includeTop: false for other sizes`);
  }
  // The file first (download or a clear message), so that a failure builds nothing.
  const path = !opts.weights ? null : opts.weights === 'imagenet' ? await imagenetWeightsPath(id, opts) : opts.weights;
  const model = buildZoo(id, opts);
  if (!path) return model;
  try {
    await loadKerasWeightFile(model, path);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}
