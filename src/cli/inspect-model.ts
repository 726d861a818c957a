// The model part of `wgft inspect`: Keras files (.h5/.hdf5/.keras), tfjs model.json and zoo ids.
// A Keras-style summary (layer, class, output shape, params; totals), or JSON per CONTRACTS:
// { layers: [{name, class, output_shape, params, trainable}], total_params, trainable_params,
//   non_trainable_params }. Files with layer classes we cannot build are summarized from the file
// itself (config and weight arrays; output shapes unknown) with the refusal noted.
import { existsSync } from 'node:fs';
import type { Model } from '../graph/model.ts';
import { InputLayer } from '../graph/model.ts';
import { initNode } from '../node/dawn.ts';
import { loadModelFile } from '../node/models.ts';
import { openH5File } from '../node/h5.ts';
import { h5ModelConfig } from '../loaders/keras/load.ts';
import { readKerasWeights } from '../loaders/keras/h5-weights.ts';
import { configLayers, UnsupportedLayersError } from '../loaders/keras/model-config.ts';
import { buildZoo, ZOO } from '../zoo/index.ts';

export interface ModelSummary {
  layers: { name: string; class: string; output_shape: (number | null)[] | null; params: number; trainable: boolean }[];
  total_params: number;
  trainable_params: number;
  non_trainable_params: number;
  /** Only when the model could not be built. */
  unsupported?: string;
}

export function summarize(model: Model): ModelSummary {
  const layers = model.layers.map((l) => ({
    name: l.name,
    class: l.className,
    output_shape: l.outputShapes[0] ? [null, ...l.outputShapes[0]] : l instanceof InputLayer ? [null, ...l.inputShape] : null,
    params: l.countParams(),
    trainable: l.trainable,
  }));
  const trainable = model.trainableWeights.reduce((s, v) => s + v.size, 0);
  const total = model.countParams();
  return { layers, total_params: total, trainable_params: trainable, non_trainable_params: total - trainable };
}

/** Summary of an H5 file from its config and arrays alone (for files we cannot build). */
async function fileSummary(path: string, why: string): Promise<ModelSummary> {
  const h = await openH5File(path);
  try {
    const spec = h5ModelConfig(h);
    const w = readKerasWeights(h);
    const sizes = new Map(w.groups.map((g) => [g.layer, g.weights]));
    let total = 0;
    let trainable = 0;
    const layers = (spec ? configLayers(spec).filter((l) => l.depth === 0) : w.groups.map((g) => ({ name: g.layer, className: '?', config: {} as Record<string, unknown>, depth: 0 }))).map((l) => {
      const ws = sizes.get(l.name) ?? [];
      const params = ws.reduce((s, t) => s + t.data.length, 0);
      const isTrainable = l.config.trainable !== false;
      for (const t of ws) if (isTrainable && !/moving_(mean|variance)|running_(mean|std)/.test(t.name)) trainable += t.data.length;
      total += params;
      return { name: l.name, class: l.className, output_shape: null, params, trainable: isTrainable };
    });
    return { layers, total_params: total, trainable_params: trainable, non_trainable_params: total - trainable, unsupported: why };
  } finally {
    h.close();
  }
}

export const isZooId = (target: string): boolean => ZOO[target.toLowerCase()] !== undefined && !existsSync(target);

/** The summary of a model file or zoo id, as text or JSON. */
export async function inspectModel(target: string, opts: { json?: boolean; top?: boolean }): Promise<string> {
  await initNode();
  let summary: ModelSummary;
  if (ZOO[target.toLowerCase()] && !existsSync(target)) {
    summary = summarize(buildZoo(target, { includeTop: opts.top !== false }));
  } else {
    try {
      summary = summarize((await loadModelFile(target)).model);
    } catch (e) {
      if (!(e instanceof UnsupportedLayersError) || /\.json$/i.test(target) || /\.keras$/i.test(target)) throw e;
      summary = await fileSummary(target, e.message);
    }
  }
  return opts.json ? JSON.stringify(summary, null, 2) : formatSummary(target, summary);
}

export function formatSummary(title: string, s: ModelSummary): string {
  const lines: string[] = [];
  const log = (t: string) => lines.push(t);
  const rows = s.layers.map((l) => [`${l.name} (${l.class})`, l.output_shape ? `(${l.output_shape.map((d) => d ?? 'None').join(', ')})` : '?', String(l.params), l.trainable ? '' : 'frozen']);
  const w = [Math.max(28, ...rows.map((r) => r[0].length)) + 2, Math.max(20, ...rows.map((r) => r[1].length)) + 2, 12];
  const line = (c: string) => c.repeat(w[0] + w[1] + w[2] + 8);
  log(`Model: ${title}`);
  if (s.unsupported) log(`(not runnable here: ${s.unsupported})`);
  log(line('_'));
  log('Layer (type)'.padEnd(w[0]) + 'Output Shape'.padEnd(w[1]) + 'Param #');
  log(line('='));
  for (const r of rows) log(r[0].padEnd(w[0]) + r[1].padEnd(w[1]) + r[2].padEnd(w[2]) + r[3]);
  log(line('='));
  log(`Total params: ${s.total_params.toLocaleString('en-US')}`);
  log(`Trainable params: ${s.trainable_params.toLocaleString('en-US')}`);
  log(`Non-trainable params: ${s.non_trainable_params.toLocaleString('en-US')}`);
  return lines.join('\n');
}
