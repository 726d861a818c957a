// Node edge: writes a tfjs-layers export (model.json + group1-shard*.bin) into a directory.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Model } from '../graph/model.ts';
import { exportTfjsLayers, type TfjsExportOptions } from '../loaders/tfjs-export.ts';

/** Writes `dir/model.json` and its shards; returns the files written. */
export async function saveTfjsLayers(model: Model, dir: string, opts: TfjsExportOptions = {}): Promise<string[]> {
  const { modelJson, shards } = await exportTfjsLayers(model, opts);
  mkdirSync(dir, { recursive: true });
  const files = [join(dir, 'model.json')];
  writeFileSync(files[0], JSON.stringify(modelJson));
  modelJson.weightsManifest[0].paths.forEach((p, i) => {
    writeFileSync(join(dir, p), shards[i]);
    files.push(join(dir, p));
  });
  return files;
}
