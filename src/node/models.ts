// Node edge: loads a model file by its kind (.h5/.hdf5 Keras full model, .keras zip, tfjs
// model.json with shards beside it).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Model } from '../graph/model.ts';
import type { Shape } from '../graph/tensor.ts';
import { fileSource } from './files.ts';
import { openH5File } from './h5.ts';
import { loadKerasH5Model, loadKerasZipModel } from '../loaders/keras/load.ts';
import { loadTfjsLayers } from '../loaders/tfjs-layers.ts';

export interface LoadedFile {
  model: Model;
  kind: 'keras-h5' | 'keras-zip' | 'tfjs-layers';
  /** Sizes of the file's weight arrays. */
  fileParams: number;
}

export async function loadModelFile(path: string, opts: { inputShape?: Shape; theano?: boolean } = {}): Promise<LoadedFile> {
  if (/\.json$/i.test(path)) {
    let text: Buffer;
    try {
      text = readFileSync(path);
    } catch (e) {
      throw new Error(`${path}: cannot open (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    const dir = dirname(path);
    const r = await loadTfjsLayers(new Uint8Array(text), async (p) => {
      try {
        return new Uint8Array(readFileSync(join(dir, p)));
      } catch (e) {
        throw new Error(`${path}: weight shard ${p} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      }
    }, { name: path, inputShape: opts.inputShape });
    let n = 0;
    for (const t of r.weights.values()) n += t.data.length;
    return { model: r.model, kind: 'tfjs-layers', fileParams: n };
  }
  const src = fileSource(path);
  const head = await src.read(0, Math.min(4, src.size));
  if (head[0] === 0x50 && head[1] === 0x4b) {
    try {
      const r = await loadKerasZipModel(src, opts);
      return { model: r.model, kind: 'keras-zip', fileParams: r.fileParams };
    } finally {
      src.close();
    }
  }
  src.close();
  const h = await openH5File(path);
  try {
    const r = loadKerasH5Model(h, opts);
    return { model: r.model, kind: 'keras-h5', fileParams: r.fileParams };
  } finally {
    h.close();
  }
}
