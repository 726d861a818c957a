// Keras entry points: a full model from an H5 file or a .keras zip, and weights (full-model
// H5, save_weights files, Keras 3 .weights.h5) into a model built in code.
import type { Model } from '../../graph/model.ts';
import { loadWeights, type LoadOptions, type LoadReport } from '../../graph/load-weights.ts';
import type { Shape } from '../../graph/tensor.ts';
import type { ByteSource } from '../byte-source.ts';
import { attrString, child, openH5Bytes, type H5Handle } from './h5.ts';
import { readKerasWeights, mapKerasWeights, type KerasWeights } from './h5-weights.ts';
import { modelFromConfig, type LayerSpec } from './model-config.ts';
import { readKerasZip } from './keras-zip.ts';

export interface KerasLoadOptions {
  /** Input shape (batch excluded) for models whose config leaves sizes open. */
  inputShape?: Shape;
  /** Treat conv kernels as Theano-trained (flip) even when the file does not say so. */
  theano?: boolean;
}

export interface LoadedKeras {
  model: Model;
  report: LoadReport;
  kerasVersion: string | null;
  backend: string | null;
  /** Sizes of the file's arrays (model_weights only), for parameter checks. */
  fileParams: number;
}

/** The model_config JSON of a full-model H5 file (null for weights-only files). */
export function h5ModelConfig(h: H5Handle): LayerSpec | null {
  const text = attrString(h, h.root, 'model_config');
  if (!text) return null;
  try {
    return JSON.parse(text) as LayerSpec;
  } catch (e) {
    throw new Error(`${h.name}: model_config is not valid JSON (${(e as Error).message})`);
  }
}

/** The class names a fine-tuned model was saved with (root attribute `class_names`, JSON), or null. */
export function h5ClassNames(h: H5Handle): string[] | null {
  const text = attrString(h, h.root, 'class_names');
  if (!text) return null;
  try {
    const v = JSON.parse(text);
    return Array.isArray(v) && v.every((s) => typeof s === 'string') ? v : null;
  } catch {
    return null;
  }
}

/** A full Keras model (`model.save('x.h5')`): architecture from model_config, weights by name. */
export function loadKerasH5Model(h: H5Handle, opts: KerasLoadOptions = {}): LoadedKeras {
  const spec = h5ModelConfig(h);
  if (!spec) {
    const what = child(h, h.root, 'model_weights') ? 'model_weights but no model_config' : 'only weights (save_weights)';
    throw new Error(`${h.name}: the file holds ${what}; build the model in code and load the weights into it (loadKerasWeights)`);
  }
  const w = readKerasWeights(h);
  const model = modelFromConfig(spec, { inputShape: opts.inputShape, source: h.name });
  const report = loadInto(model, w, { theano: opts.theano }, h.name);
  return { model, report, kerasVersion: w.kerasVersion, backend: w.backend, fileParams: w.groups.reduce((s, g) => s + g.weights.reduce((a, t) => a + t.data.length, 0), 0) };
}

function loadInto(model: Model, w: KerasWeights, opts: LoadOptions & { theano?: boolean }, source: string): LoadReport {
  const named = mapKerasWeights(model, w, { by: opts.by, theano: opts.theano });
  return loadWeights(model, named, { skipMismatch: opts.skipMismatch, allowMissing: opts.allowMissing }, source);
}

/**
 * Loads Keras weights into a model built in code: by layer name (default) or by order of the
 * layers with weights (Keras's topological loading), with skipMismatch and a report of missing,
 * unused and mis-shaped tensors.
 */
export function loadKerasWeights(model: Model, h: H5Handle | KerasWeights, opts: LoadOptions & { theano?: boolean } = {}): LoadReport {
  const w = 'groups' in h ? h : readKerasWeights(h);
  return loadInto(model, w, opts, 'name' in h ? (h as H5Handle).name : 'weights');
}

/** A Keras 3 `.keras` zip: config.json + model.weights.h5. */
export async function loadKerasZipModel(src: ByteSource, opts: KerasLoadOptions = {}): Promise<LoadedKeras> {
  const z = await readKerasZip(src);
  const model = modelFromConfig(z.config as unknown as LayerSpec, { inputShape: opts.inputShape, source: src.name });
  const h = await openH5Bytes(z.weights);
  try {
    const w = readKerasWeights(h);
    const report = loadInto(model, w, {}, src.name);
    return { model, report, kerasVersion: (z.metadata.keras_version as string) ?? null, backend: null, fileParams: w.groups.reduce((s, g) => s + g.weights.reduce((a, t) => a + t.data.length, 0), 0) };
  } finally {
    h.close();
  }
}

/** A full model from H5 bytes (browser): the bytes go to h5wasm's in-memory FS. */
export async function loadKerasModel(src: ByteSource, opts: KerasLoadOptions = {}): Promise<LoadedKeras> {
  const head = await src.read(0, Math.min(4, src.size));
  if (head[0] === 0x50 && head[1] === 0x4b) return loadKerasZipModel(src, opts);
  const h = await openH5Bytes(src);
  try {
    return loadKerasH5Model(h, opts);
  } finally {
    h.close();
  }
}
