// Export to tfjs-layers: model.json (the Keras topology the H5 saver writes, as
// tensorflowjs_converter lays it out: modelTopology {keras_version, backend, model_config}) plus
// weight shards of at most 4 MiB, float32 or uint8/uint16 quantized exactly as the converter does
// (tensorflowjs/quantization.py: min/max nudged so that 0 is exact, round half to even, manifest
// `quantization: {dtype, min, scale}`). Class names go in `userDefinedMetadata.classNames`.
import { Input, InputLayer, Model } from '../graph/model.ts';
import type { Layer } from '../graph/layer.ts';
import type { SymbolicTensor } from '../graph/symbolic.ts';
import { modelConfig, SAVED_KERAS_VERSION } from './keras/save.ts';
import type { TfjsManifestEntry, TfjsModelJson } from './tfjs-layers.ts';

export type TfjsQuantization = 'float32' | 'uint8' | 'uint16';

export interface TfjsExportOptions {
  quantize?: TfjsQuantization;
  /** Saved as `userDefinedMetadata.classNames` (read back by our loader and predict). */
  classNames?: string[];
  /** Shard size in bytes (tfjs's default 4 MiB). */
  shardBytes?: number;
  /**
   * Leave out the random augmentation layers that are identity at inference (RandomFlip,
   * RandomRotation, ... but not RandomCrop): tfjs-layers has no such classes. Default true.
   */
  stripAugmentation?: boolean;
}

const key = (l: Layer, call: number) => `${l.name}#${call}`;

/**
 * The same graph without the layers `drop` selects (each replaced by its input), sharing the
 * other layers and their weights. The original model keeps working (its calls are unchanged).
 */
export function withoutLayers(model: Model, drop: (l: Layer) => boolean): Model {
  if (!model.layers.some(drop)) return model;
  const map = new Map<string, SymbolicTensor>();
  const inputs = model.inputs.map((s) => {
    const t = Input(s.shape, s.layer.name);
    map.set(key(s.layer, s.callIndex), t);
    return t;
  });
  for (const n of model.graphNodes) {
    const k = key(n.layer, n.callIndex);
    if (map.has(k) || n.layer instanceof InputLayer) continue;
    const args = n.inputs.map((s) => map.get(key(s.layer, s.callIndex))!);
    if (drop(n.layer) && args.length !== 1) throw new Error(`cannot leave out layer ${n.layer.name}: it has ${args.length} inputs`);
    map.set(k, drop(n.layer) ? args[0] : n.layer.apply(args));
  }
  return new Model({ inputs, outputs: model.outputs.map((o) => map.get(key(o.layer, o.callIndex))!), name: model.name });
}

/** Random layers that are the identity outside training (augmentation other than RandomCrop). */
export const isInferenceIdentity = (l: Layer): boolean => !!(l as { isStochastic?: boolean }).isStochastic && l.className !== 'RandomCrop';

export interface TfjsExport {
  modelJson: TfjsModelJson & { format: string; generatedBy: string; convertedBy: null; userDefinedMetadata?: Record<string, unknown> };
  /** Shard bytes; `modelJson.weightsManifest[0].paths[i]` names shards[i]. */
  shards: Uint8Array[];
}

/** numpy's round (half to even). */
const roundEven = (x: number): number => {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
};

/** tensorflowjs quantize_weights for uint8/uint16: the integers and {min, scale}. */
export function quantizeWeights(data: Float32Array, dtype: 'uint8' | 'uint16'): { q: Uint8Array | Uint16Array; min: number; scale: number } {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of data) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const q = dtype === 'uint8' ? new Uint8Array(data.length) : new Uint16Array(data.length);
  if (!data.length) return { q, min: 0, scale: 1 };
  if (lo === hi) return { q, min: lo, scale: 1 };
  const qmax = dtype === 'uint8' ? 255 : 65535;
  const scale = (hi - lo) / qmax;
  let min = lo;
  let max = hi;
  if (lo <= 0 && 0 <= hi) {
    const zero = roundEven((0 - lo) / scale);
    min = -zero * scale;
    max = qmax * scale + min;
  }
  for (let i = 0; i < data.length; i++) {
    const v = Math.min(max, Math.max(min, data[i]));
    q[i] = Math.min(qmax, Math.max(0, roundEven((v - min) / scale)));
  }
  return { q, min, scale };
}

/** tfjs weight names: the variable name without the `:0` suffix. */
const tfjsName = (name: string): string => name.replace(/:\d+$/, '');

/** Builds model.json and shards (weights in Keras order, one group, `group1-shardKofN.bin`). */
export async function exportTfjsLayers(model: Model, opts: TfjsExportOptions = {}): Promise<TfjsExport> {
  const quantize = opts.quantize ?? 'float32';
  if (!['float32', 'uint8', 'uint16'].includes(quantize)) throw new Error(`tfjs export: quantize must be float32, uint8 or uint16, got '${quantize}'`);
  const shardBytes = opts.shardBytes ?? 4 * 1024 * 1024;
  if (opts.stripAugmentation !== false) model = withoutLayers(model, isInferenceIdentity);
  const entries: TfjsManifestEntry[] = [];
  const chunks: Uint8Array[] = [];
  const seen = new Set<string>();
  for (const v of model.weights) {
    const name = tfjsName(v.name);
    if (seen.has(name)) throw new Error(`tfjs export: two weights are named ${name}`);
    seen.add(name);
    const data = await v.data();
    const entry: TfjsManifestEntry = { name, shape: [...v.shape], dtype: 'float32' };
    if (quantize === 'float32') chunks.push(new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)));
    else {
      const { q, min, scale } = quantizeWeights(data, quantize);
      entry.quantization = { dtype: quantize, min, scale };
      chunks.push(new Uint8Array(q.buffer, q.byteOffset, q.byteLength));
    }
    entries.push(entry);
  }
  const total = chunks.reduce((s, c) => s + c.byteLength, 0);
  const all = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    all.set(c, o);
    o += c.byteLength;
  }
  const n = Math.max(1, Math.ceil(total / shardBytes));
  const shards = Array.from({ length: n }, (_, i) => all.slice(i * shardBytes, Math.min(total, (i + 1) * shardBytes)));
  const paths = shards.map((_, i) => `group1-shard${i + 1}of${n}.bin`);
  const modelJson: TfjsExport['modelJson'] = {
    format: 'layers-model',
    generatedBy: 'webgpu-finetune',
    convertedBy: null,
    modelTopology: { keras_version: SAVED_KERAS_VERSION, backend: 'tensorflow', model_config: modelConfig(model) as never },
    weightsManifest: [{ paths, weights: entries }],
  };
  if (opts.classNames) modelJson.userDefinedMetadata = { classNames: [...opts.classNames] };
  return { modelJson, shards };
}

/** The class names saved in a tfjs model.json by exportTfjsLayers (null when none). */
export function tfjsClassNames(j: { userDefinedMetadata?: { classNames?: unknown } }): string[] | null {
  const c = j.userDefinedMetadata?.classNames;
  return Array.isArray(c) && c.every((s) => typeof s === 'string') ? (c as string[]) : null;
}
