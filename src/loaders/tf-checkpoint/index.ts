// TensorFlow checkpoints: V2 bundles (`prefix.index` + data shards) and V1 single-file/sharded
// SSTables, read through ByteSource into NamedTensors; `mapCheckpointToModel` renames them onto a
// model's Keras weight names (TF-slim, TF2 object keys, Keras names, user rules, exclusions) and
// loads them with loadWeights, reporting every missing/unused/mis-shaped variable at once.
// Node callers resolve directories and `checkpoint` state files with src/node/tf-checkpoint-files.ts.
import type { ByteSource } from '../byte-source.ts';
import { hostTensor, type HostTensor, type NamedTensors } from '../named-tensors.ts';
import { baseName, loadWeights, type LoadReport } from '../../graph/load-weights.ts';
import type { Model } from '../../graph/model.ts';
import type { Layer } from '../../graph/layer.ts';
import { readTable } from './leveldb-table.ts';
import { readBundle, readBundleIndex, bundleEntries, type OpenSibling, type ReadOptions, type TfCheckpointContents, type TfEntry } from './bundle-v2.ts';
import { isV1Table, readV1 } from './v1.ts';
import { OBJECT_GRAPH_KEY, parseObjectGraph, type ObjectAttribute } from './object-graph.ts';
import { applyRules, isExcluded, isNonModelVariable, mapName, slimInceptionV3ToKeras, type NameRule, type Scheme } from './name-maps.ts';

export type { OpenSibling, TfEntry, TfCheckpointContents, NameRule, Scheme, ObjectAttribute };
export { writeBundle, type BundleTensor } from './bundle-v2.ts';
export { writeTable, readTable } from './leveldb-table.ts';
export { parseObjectGraph } from './object-graph.ts';
export * from './name-maps.ts';

export interface TfCheckpoint extends TfCheckpointContents {
  /** TF2 checkpoints: checkpoint key -> object path and the variable's own name. */
  objectGraph?: Map<string, ObjectAttribute>;
}

const noSibling: OpenSibling = async (f) => {
  throw new Error(`cannot open ${f}: no way to open files beside the checkpoint was given`);
};

/** Reads every variable of a checkpoint: a `.index` (V2, shards via `openSibling`) or a V1 file. */
export async function readTfCheckpoint(src: ByteSource, openSibling: OpenSibling = noSibling, opts: ReadOptions = {}): Promise<TfCheckpoint> {
  let ck: TfCheckpoint;
  if (/\.index$/.test(src.name)) ck = await readBundle(src, openSibling, opts);
  else {
    const table = await readTable(src);
    ck = isV1Table(table) ? await readV1(src, openSibling, opts, table) : await readBundle(src, openSibling, opts);
  }
  const g = ck.strings.get(OBJECT_GRAPH_KEY);
  if (g?.length === 1) ck.objectGraph = parseObjectGraph(g[0], `${src.name}: ${OBJECT_GRAPH_KEY}`);
  return ck;
}

/** The checkpoint's numeric variables as float32 host tensors, named as in the file. */
export async function loadTfCheckpoint(src: ByteSource, openSibling: OpenSibling = noSibling): Promise<NamedTensors> {
  return (await readTfCheckpoint(src, openSibling)).tensors;
}

/** Name, dtype, shape and size of every variable; V2 reads only the index. */
export async function listTfCheckpoint(src: ByteSource, openSibling: OpenSibling = noSibling): Promise<TfEntry[]> {
  if (/\.index$/.test(src.name)) return bundleEntries(await readBundleIndex(src));
  const table = await readTable(src);
  if (!isV1Table(table)) return bundleEntries(await readBundleIndex(src));
  return (await readV1(src, openSibling, { only: () => false }, table)).entries;
}

/** A `checkpoint` state file (text proto): the latest prefix and the others listed. */
export function parseCheckpointState(text: string, what = 'checkpoint'): { modelCheckpointPath: string; allModelCheckpointPaths: string[] } {
  const unquote = (s: string) =>
    s.replace(/\\(["'\\nt]|[0-7]{3})/g, (_, c: string) => (c.length === 3 ? String.fromCharCode(parseInt(c, 8)) : ({ n: '\n', t: '\t' } as Record<string, string>)[c] ?? c));
  let latest = '';
  const all: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(model_checkpoint_path|all_model_checkpoint_paths)\s*:\s*"((?:[^"\\]|\\.)*)"\s*$/.exec(line);
    if (!m) continue;
    if (m[1] === 'model_checkpoint_path') latest = unquote(m[2]);
    else all.push(unquote(m[2]));
  }
  if (!latest) throw new Error(`${what}: no model_checkpoint_path in the checkpoint state file`);
  return { modelCheckpointPath: latest, allModelCheckpointPaths: all };
}

export interface MapOptions {
  /** Naming of the checkpoint (default auto: slim VGG/Inception, TF2 object keys or Keras names). */
  scheme?: Scheme;
  /** Regex rules applied to the file's names before the scheme (null replacement drops a name). */
  rules?: NameRule[];
  /** Scopes (vgg_16/fc8) or regexes excluded, matched against file names and mapped names. */
  exclude?: (string | RegExp)[];
  /** TF2 object graph (from readTfCheckpoint) for keys the model's structure cannot resolve. */
  objectGraph?: Map<string, ObjectAttribute>;
  allowMissing?: boolean;
  skipMismatch?: boolean;
  /** Name for error messages (the checkpoint path). */
  source?: string;
}

export interface MapReport extends LoadReport {
  /** Training state (optimizer slots, counters, metrics): not model variables. */
  ignored: string[];
  /** Excluded by `exclude` or a rule. */
  excluded: string[];
  /** file name -> model weight name, for the loaded ones. */
  mapping: Map<string, string>;
}

const allLayers = (m: Model): Layer[] => m.layers.flatMap((l) => ((l as Model).layers ? [l, ...allLayers(l as Model)] : [l]));
const suffixNumber = (name: string) => {
  const m = /_(\d+)$/.exec(name);
  return m ? +m[1] : 0;
};

/** Renames a checkpoint's tensors onto `model`'s weights and loads them (see name-maps.ts). */
export function mapCheckpointToModel(model: Model, tensors: NamedTensors | TfCheckpoint, opts: MapOptions = {}): MapReport {
  const named = tensors instanceof Map ? tensors : tensors.tensors;
  const graph = opts.objectGraph ?? (tensors instanceof Map ? undefined : tensors.objectGraph);
  const scheme = opts.scheme ?? 'auto';
  const exclude = opts.exclude ?? [];
  const vars = new Map(model.weights.map((v) => [baseName(v.name), v]));
  // slim Inception numbers conv2d_N from 1 in Keras creation order; bind to this model's names.
  const layers = allLayers(model);
  const byClass = (cls: string) => layers.filter((l) => l.className === cls).sort((a, b) => suffixNumber(a.name) - suffixNumber(b.name));
  const convs = byClass('Conv2D');
  const bns = byClass('BatchNormalization');

  const ignored: string[] = [];
  const excluded: string[] = [];
  const mapped: NamedTensors = new Map();
  const from = new Map<string, string>();
  const clashes: string[] = [];
  for (const [name, t] of named) {
    if (isNonModelVariable(name)) {
      ignored.push(name);
      continue;
    }
    if (isExcluded(name, exclude)) {
      excluded.push(name);
      continue;
    }
    const ruled = applyRules(name, opts.rules ?? []);
    if (ruled === null) {
      excluded.push(name);
      continue;
    }
    let target = mapName(ruled, scheme, model, graph) ?? ruled;
    if (slimInceptionV3ToKeras(ruled) !== undefined) {
      const m = /^(conv2d|batch_normalization)_(\d+)\/(.*)$/.exec(target);
      const list = m?.[1] === 'conv2d' ? convs : bns;
      const l = m ? list[+m[2] - 1] : undefined;
      if (m && l) target = `${l.name}/${m[3]}`;
    }
    if (isExcluded(target, exclude) || isExcluded(baseName(target), exclude)) {
      excluded.push(name);
      continue;
    }
    const key = baseName(target);
    if (from.has(key)) {
      clashes.push(`${from.get(key)} and ${name} both map to ${key}`);
      continue;
    }
    from.set(key, name);
    mapped.set(key, adaptShape(t, vars.get(key)?.shape));
  }
  const source = opts.source ?? 'checkpoint';
  if (clashes.length) throw new Error(`${source}: ${clashes.join('; ')}`);
  const rep = loadWeights(model, mapped, { allowMissing: opts.allowMissing, skipMismatch: opts.skipMismatch }, source);
  const mapping = new Map<string, string>();
  for (const v of rep.loaded) mapping.set(from.get(baseName(v))!, v);
  return { ...rep, unused: rep.unused.map((k) => from.get(k) ?? k), ignored, excluded, mapping };
}

/**
 * Makes a file tensor fit a model weight it maps to, when the layouts agree: the same values with
 * another rank (slim's fc conv kernels [7,7,512,4096] -> Dense [25088,4096]; [1,1,a,b] -> [a,b]), or
 * slim's 1001-class logits (class 0 = background) onto a 1000-class layer.
 */
function adaptShape(t: HostTensor, want: readonly number[] | undefined): HostTensor {
  if (!want) return t;
  const size = want.reduce((a, b) => a * b, 1);
  const same = t.shape.length === want.length && t.shape.every((d, i) => d === want[i]);
  if (same) return t;
  if (t.data.length === size) return hostTensor(t.name, [...want], t.data, t.dtype);
  const last = t.shape[t.shape.length - 1];
  const wantLast = want[want.length - 1];
  if (last === 1001 && wantLast === 1000 && t.data.length / 1001 === size / 1000) {
    const rows = size / 1000;
    const out = new Float32Array(size);
    for (let r = 0; r < rows; r++) out.set(t.data.subarray(r * 1001 + 1, r * 1001 + 1001), r * 1000);
    return hostTensor(t.name, [...want], out, t.dtype);
  }
  return t;
}
