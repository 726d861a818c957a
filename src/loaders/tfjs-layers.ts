// tfjs-layers models: model.json (Keras topology + weight manifest) and binary shards fetched
// through a callback (fetch in the browser, fs in Node). Weights are float32 or uint8/uint16
// quantized (value = min + q * scale, per the manifest's `quantization`), matched by name.
import type { Model } from '../graph/model.ts';
import { loadWeights, type LoadOptions, type LoadReport } from '../graph/load-weights.ts';
import type { Shape } from '../graph/tensor.ts';
import { hostTensor, type NamedTensors } from './named-tensors.ts';
import { modelFromConfig, type LayerSpec } from './keras/model-config.ts';

export interface TfjsManifestEntry {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { min?: number; scale?: number; dtype: string; original_dtype?: string };
}
export interface TfjsModelJson {
  modelTopology: { model_config?: LayerSpec; keras_version?: string; backend?: string } & Partial<LayerSpec>;
  weightsManifest: { paths: string[]; weights: TfjsManifestEntry[] }[];
  format?: string;
}

/** Fetches one shard by its manifest path (relative to model.json). */
export type ShardFetcher = (path: string) => Promise<Uint8Array>;

const BYTES: Record<string, number> = { float32: 4, int32: 4, uint8: 1, uint16: 2, bool: 1, float16: 2 };

export function parseTfjsJson(text: string | Uint8Array, name = 'model.json'): TfjsModelJson {
  let j: TfjsModelJson;
  try {
    j = JSON.parse(typeof text === 'string' ? text : new TextDecoder().decode(text));
  } catch (e) {
    throw new Error(`${name}: not valid JSON (${(e as Error).message})`);
  }
  const topo = j?.modelTopology as { node?: unknown } | undefined;
  if (j?.format === 'graph-model' || Array.isArray(topo?.node)) throw new Error(graphModelRefusal(name));
  if (!j || !j.modelTopology || !Array.isArray(j.weightsManifest)) throw new Error(`${name}: not a tfjs-layers model.json (needs modelTopology and weightsManifest)`);
  if ((j.format && j.format !== 'layers-model') || !(j.modelTopology.model_config ?? j.modelTopology.class_name)) {
    throw new Error(`${name}: a tfjs ${j.format ?? 'graph'} model; only tfjs-layers (Keras topology) models are read`);
  }
  return j;
}

/** The refusal for a tfjs graph model: what was found and what to do instead. */
export function graphModelRefusal(name: string): string {
  return (
    `${name}: found a TensorFlow.js graph model ("format": "graph-model": a frozen TensorFlow graph of ops, ` +
    `converted from a SavedModel), which has no Keras layers to fine-tune. wgft reads tfjs *layers* models ` +
    `("format": "layers-model"): convert the original Keras model with ` +
    `\`tensorflowjs_converter --input_format keras model.h5 OUT_DIR\`, or give wgft the Keras .h5 itself`
  );
}

/** Reads every weight of the manifest (dequantized to float32), keyed by its Keras name. */
export async function readTfjsWeights(j: TfjsModelJson, fetchShard: ShardFetcher, name = 'model.json'): Promise<NamedTensors> {
  const out: NamedTensors = new Map();
  for (const group of j.weightsManifest) {
    const parts = await Promise.all(group.paths.map((p) => fetchShard(p)));
    const total = parts.reduce((s, p) => s + p.byteLength, 0);
    const buf = new Uint8Array(total);
    let o = 0;
    for (const p of parts) {
      buf.set(p, o);
      o += p.byteLength;
    }
    let off = 0;
    for (const w of group.weights) {
      const n = w.shape.reduce((a, b) => a * b, 1);
      const qd = w.quantization?.dtype;
      const dt = qd ?? w.dtype;
      const bpe = BYTES[dt];
      if (!bpe) throw new Error(`${name}: weight ${w.name} has dtype ${dt}, which is not supported`);
      if (!Number.isSafeInteger(n) || n < 0 || off + n * bpe > total) {
        throw new Error(`${name}: weight ${w.name} [${w.shape}] needs ${n * bpe} bytes at offset ${off}, but the shards of group [${group.paths.join(', ')}] hold ${total}`);
      }
      const bytes = buf.slice(off, off + n * bpe);
      off += n * bpe;
      let data: Float32Array;
      if (qd === 'uint8' || qd === 'uint16') {
        const q = qd === 'uint8' ? bytes : new Uint16Array(bytes.buffer, 0, n);
        const min = w.quantization!.min ?? 0;
        const scale = w.quantization!.scale ?? 1;
        data = new Float32Array(n);
        for (let i = 0; i < n; i++) data[i] = min + q[i] * scale;
      } else if (dt === 'float16') {
        throw new Error(`${name}: weight ${w.name} is float16-quantized, which is not supported`);
      } else if (dt === 'float32') data = new Float32Array(bytes.buffer, 0, n);
      else if (dt === 'int32') data = Float32Array.from(new Int32Array(bytes.buffer, 0, n));
      else data = Float32Array.from(bytes);
      out.set(w.name, hostTensor(w.name, w.shape.slice(), data, qd ? `${qd}(quantized ${w.dtype})` : w.dtype));
    }
  }
  return out;
}

export interface TfjsLoadOptions extends LoadOptions {
  inputShape?: Shape;
}

/** A tfjs-layers model: the Keras topology built through the layer registry, weights by name. */
export async function loadTfjsLayers(
  modelJson: string | Uint8Array | TfjsModelJson,
  fetchShard: ShardFetcher,
  opts: TfjsLoadOptions & { name?: string } = {},
): Promise<{ model: Model; report: LoadReport; weights: NamedTensors }> {
  const name = opts.name ?? 'model.json';
  const j = typeof modelJson === 'object' && !(modelJson instanceof Uint8Array) ? modelJson : parseTfjsJson(modelJson, name);
  const topo = (j.modelTopology.model_config ?? j.modelTopology) as LayerSpec;
  const model = modelFromConfig(topo, { inputShape: opts.inputShape, source: name });
  const weights = await readTfjsWeights(j, fetchShard, name);
  const report = loadWeights(model, weights, opts, name);
  return { model, report, weights };
}
