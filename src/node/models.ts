// Node edge: loads a model file by its kind (.h5/.hdf5 Keras full model, .keras zip, tfjs
// model.json with shards beside it).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Model } from '../graph/model.ts';
import type { Shape } from '../graph/tensor.ts';
import { fileSource } from './files.ts';
import { openH5File } from './h5.ts';
import { h5ClassNames, loadKerasH5Model, loadKerasZipModel } from '../loaders/keras/load.ts';
import { loadTfjsLayers, parseTfjsJson } from '../loaders/tfjs-layers.ts';
import { tfjsClassNames } from '../loaders/tfjs-export.ts';

export interface LoadedFile {
  model: Model;
  kind: 'keras-h5' | 'keras-zip' | 'tfjs-layers';
  /** Sizes of the file's weight arrays. */
  fileParams: number;
  /** Class names saved with a fine-tuned model (H5 `class_names`, tfjs userDefinedMetadata, or a `.classes.json` beside it). */
  classNames?: string[];
}

/** The refusal for a TF SavedModel (a directory with saved_model.pb, or the .pb itself). */
export function savedModelRefusal(path: string): string | null {
  const dir = existsSync(path) && statSync(path).isDirectory() ? path : basename(path) === 'saved_model.pb' || basename(path) === 'saved_model.pbtxt' ? dirname(path) : null;
  if (dir === null || !['saved_model.pb', 'saved_model.pbtxt'].some((f) => existsSync(join(dir, f)))) return null;
  const vars = join(dir, 'variables', 'variables');
  const where = existsSync(`${vars}.index`)
    ? `Its weights are the TF checkpoint ${vars}.index + .data-*`
    : `Its weights would be the TF checkpoint ${vars}.index + .data-*, which is missing here`;
  return (
    `${path}: found a TensorFlow SavedModel (saved_model.pb: a serialized TensorFlow graph, which wgft does not run). ` +
    `${where}: list them with \`wgft inspect ${join(dir, 'variables')}\` and load them into the same architecture ` +
    `built from a Keras .h5/.json or a zoo id with the TF checkpoint loader (loadTfCheckpoint + mapCheckpointToModel); ` +
    `or save the model from Keras as .h5 (model.save('model.h5')) and give wgft that file`
  );
}

/** Class names from a `<model>.classes.json` beside the file (the trainer's sidecar). */
function sidecarClassNames(path: string): string[] | undefined {
  const p = path.replace(/\.(h5|hdf5|keras|json)$/i, '') + '.classes.json';
  if (!existsSync(p)) return undefined;
  try {
    const v = JSON.parse(readFileSync(p, 'utf8'));
    return Array.isArray(v) ? v.map(String) : undefined;
  } catch {
    return undefined;
  }
}

export async function loadModelFile(path: string, opts: { inputShape?: Shape; theano?: boolean } = {}): Promise<LoadedFile> {
  const sm = savedModelRefusal(path);
  if (sm) throw new Error(sm);
  if (/\.json$/i.test(path)) {
    let text: Buffer;
    try {
      text = readFileSync(path);
    } catch (e) {
      throw new Error(`${path}: cannot open (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    const dir = dirname(path);
    const j = parseTfjsJson(new Uint8Array(text), path);
    const r = await loadTfjsLayers(j, async (p) => {
      try {
        return new Uint8Array(readFileSync(join(dir, p)));
      } catch (e) {
        throw new Error(`${path}: weight shard ${p} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      }
    }, { name: path, inputShape: opts.inputShape });
    let n = 0;
    for (const t of r.weights.values()) n += t.data.length;
    return { model: r.model, kind: 'tfjs-layers', fileParams: n, classNames: tfjsClassNames(j as never) ?? sidecarClassNames(path) };
  }
  const src = fileSource(path);
  const head = await src.read(0, Math.min(4, src.size));
  if (head[0] === 0x50 && head[1] === 0x4b) {
    try {
      const r = await loadKerasZipModel(src, opts);
      return { model: r.model, kind: 'keras-zip', fileParams: r.fileParams, classNames: sidecarClassNames(path) };
    } finally {
      src.close();
    }
  }
  src.close();
  const h = await openH5File(path);
  try {
    const r = loadKerasH5Model(h, opts);
    return { model: r.model, kind: 'keras-h5', fileParams: r.fileParams, classNames: h5ClassNames(h) ?? sidecarClassNames(path) };
  } finally {
    h.close();
  }
}
