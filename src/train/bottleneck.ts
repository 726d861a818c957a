// Frozen prefix and bottleneck cache. `splitModel` finds the deepest single tensor of a model's
// graph below which nothing trains (a "cut"): the prefix runs under noGrad() and, when it is
// deterministic (no dropout/noise/augmentation layers, frozen BatchNormalization in inference
// mode), its output is computed once per sample and kept in a FeatureCache: one GPU tensor when
// it fits the budget, else host memory (or any FeatureStore, e.g. a file, given by the caller).
import type { CallContext, Layer } from '../graph/layer.ts';
import { runGraph, nodeKey as keyOf, type Model } from '../graph/model.ts';
import { keep } from '../graph/scope.ts';
import { noGrad } from '../graph/tape.ts';
import { Tensor, sizeOf, type Shape } from '../graph/tensor.ts';

/** Layers whose output in training depends on more than the input (they forbid the cache). */
export const NON_DETERMINISTIC = new Set([
  'Dropout',
  'SpatialDropout1D',
  'SpatialDropout2D',
  'SpatialDropout3D',
  'GaussianNoise',
  'GaussianDropout',
  'AlphaDropout',
  'RandomFlip',
  'RandomRotation',
  'RandomZoom',
  'RandomTranslation',
  'RandomCrop',
  'RandomContrast',
  'RandomBrightness',
]);

type Node = Model['graphNodes'][number];

function layerIsFrozen(l: Layer): boolean {
  return l.trainableWeights.length === 0;
}
function layerIsDeterministic(l: Layer): boolean {
  if (NON_DETERMINISTIC.has(l.className) || (l as { isStochastic?: boolean }).isStochastic) return false;
  const sub = (l as Partial<Model>).layers;
  return Array.isArray(sub) ? sub.every(layerIsDeterministic) : true;
}

/** The one-line notice when random layers (augmentation, dropout) in the frozen part forbid the cache. */
export function cacheOffNotice(split: ModelSplit): string {
  const names = [...new Set(split.prefix.map((n) => n.layer).filter((l) => !layerIsDeterministic(l)).map((l) => `${l.name} (${l.className})`))];
  return `bottleneck cache off: ${names.join(', ')} change${names.length === 1 ? 's' : ''} the frozen part's output between epochs`;
}

/** A model split at one tensor: prefix nodes (all frozen) and the rest. */
export interface ModelSplit {
  model: Model;
  /** Key of the cut tensor ("layer#call"), its shape without batch, and the layer producing it. */
  cutKey: string;
  cutShape: Shape;
  cutLayer: Layer;
  prefix: Node[];
  suffix: Node[];
  /** True when the prefix output depends on the sample only (the cache is valid). */
  deterministic: boolean;
  /** Number of layers in the prefix (model.layers order). */
  prefixLayers: number;
}

/**
 * The deepest cut below which every layer is frozen and through which everything above flows.
 * Null when no layer with weights is frozen below the first trainable one (nothing to skip).
 */
export function splitModel(model: Model): ModelSplit | null {
  const nodes = model.graphNodes;
  const ancestors = new Map<string, Set<string>>();
  for (const n of nodes) {
    const k = keyOf(n.layer, n.callIndex);
    const set = new Set<string>([k]);
    for (const s of n.inputs) for (const a of ancestors.get(keyOf(s.layer, s.callIndex)) ?? []) set.add(a);
    ancestors.set(k, set);
  }
  const inputKeys = new Set(model.inputs.map((s) => keyOf(s.layer, s.callIndex)));
  if (model.inputs.length !== 1) return null;
  let best: ModelSplit | null = null;
  for (const n of nodes) {
    const k = keyOf(n.layer, n.callIndex);
    if (inputKeys.has(k)) continue;
    const anc = ancestors.get(k)!;
    const prefix = nodes.filter((m) => anc.has(keyOf(m.layer, m.callIndex)));
    if (!prefix.every((m) => layerIsFrozen(m.layer))) continue;
    const suffix = nodes.filter((m) => !anc.has(keyOf(m.layer, m.callIndex)));
    // Everything above may read only the cut or other suffix tensors.
    const ok = suffix.every((m) =>
      m.inputs.every((s) => {
        const sk = keyOf(s.layer, s.callIndex);
        return sk === k || !anc.has(sk);
      }),
    );
    // A layer with calls on both sides shares weights across the cut: only frozen ones may.
    if (!ok || !suffix.length) continue;
    if (model.outputs.some((o) => anc.has(keyOf(o.layer, o.callIndex)))) continue;
    if (!best || prefix.length > best.prefix.length) {
      const layers = new Set(prefix.map((m) => m.layer));
      // A prefix without weights (input, padding) saves nothing worth caching.
      if (![...layers].some((l) => l.weights.length > 0)) continue;
      best = {
        model,
        cutKey: k,
        cutShape: n.layer.outputShapes[n.callIndex],
        cutLayer: n.layer,
        prefix,
        suffix,
        deterministic: [...layers].every(layerIsDeterministic),
        prefixLayers: layers.size,
      };
    }
  }
  return best;
}

/** Runs graph nodes from seeded values; returns the requested tensors, frees the rest. */
export function runNodes(model: Model, nodes: readonly Node[], seeds: Map<string, Tensor>, want: string[], ctx: CallContext): Tensor[] {
  return runGraph(model.name, nodes, seeds, want, ctx, { fusion: model.fusion });
}

/** Prefix forward (no tape): input batch -> cut tensor. */
export function runPrefix(split: ModelSplit, x: Tensor, ctx: CallContext): Tensor {
  const inKey = keyOf(split.model.inputs[0].layer, split.model.inputs[0].callIndex);
  return noGrad(() => runNodes(split.model, split.prefix, new Map([[inKey, x]]), [split.cutKey], ctx)[0]);
}

/** Suffix forward (recorded): cut tensor -> model output. */
export function runSuffix(split: ModelSplit, feat: Tensor, ctx: CallContext): Tensor {
  const out = split.model.outputs[0];
  return runNodes(split.model, split.suffix, new Map([[split.cutKey, feat]]), [keyOf(out.layer, out.callIndex)], ctx)[0];
}

/** Where cached features live when they do not fit the GPU budget (host memory by default, or a file). */
export interface FeatureStore {
  put(index: number, row: Float32Array): void | Promise<void>;
  get(index: number): Float32Array | Promise<Float32Array>;
  dispose?(): void;
}

export function memoryStore(n: number, rowSize: number): FeatureStore {
  const data = new Float32Array(n * rowSize);
  return {
    put: (i, row) => data.set(row, i * rowSize),
    get: (i) => data.subarray(i * rowSize, (i + 1) * rowSize),
  };
}

export interface CacheOptions {
  /** Bytes of GPU memory the cache may take (default 256 MiB). */
  gpuBudget?: number;
  /** Store used above the budget (default: host memory). */
  store?: (n: number, rowSize: number) => FeatureStore;
}

/** Per-sample prefix outputs, filled during the first epoch. */
export class FeatureCache {
  readonly rowSize: number;
  readonly where: 'gpu' | 'host';
  private readonly filled: Uint8Array;
  private count = 0;
  private gpu: Tensor | null = null;
  private host: FeatureStore | null = null;
  /** Targets of the cached samples (host), so that a filled cache needs no data reads. */
  private y: Float32Array | null = null;

  constructor(
    readonly n: number,
    readonly featShape: Shape,
    opts: CacheOptions = {},
  ) {
    this.rowSize = sizeOf(featShape);
    this.filled = new Uint8Array(n);
    const bytes = n * this.rowSize * 4;
    if (bytes <= (opts.gpuBudget ?? 256 * 2 ** 20)) {
      this.where = 'gpu';
      this.gpu = keep(Tensor.empty([n, ...featShape], 'bottleneck_cache'));
    } else {
      this.where = 'host';
      this.host = (opts.store ?? memoryStore)(n, this.rowSize);
    }
  }

  get complete(): boolean {
    return this.count === this.n;
  }
  get bytes(): number {
    return this.n * this.rowSize * 4;
  }

  has(indices: readonly number[]): boolean {
    return indices.every((i) => this.filled[i]);
  }

  /** Stores rows of `feat` (batch-first) for samples `indices`. */
  async put(indices: readonly number[], feat: Tensor): Promise<void> {
    const rb = this.rowSize * 4;
    if (this.gpu) {
      indices.forEach((s, r) => feat.device.copy(feat.buffer, r * rb, this.gpu!.buffer, s * rb, rb));
      feat.device.flush(); // Device.dispatchRaw starts a new encoder after a copy: submit first.
    } else {
      const data = await feat.data();
      for (let r = 0; r < indices.length; r++) await this.host!.put(indices[r], data.subarray(r * this.rowSize, (r + 1) * this.rowSize));
    }
    for (const s of indices) {
      if (!this.filled[s]) this.count++;
      this.filled[s] = 1;
    }
  }

  putTargets(indices: readonly number[], y: Float32Array): void {
    const k = y.length / indices.length;
    this.y ??= new Float32Array(this.n * k);
    indices.forEach((s, r) => this.y!.set(y.subarray(r * k, (r + 1) * k), s * k));
  }

  targets(indices: readonly number[]): Float32Array {
    const k = this.y!.length / this.n;
    const out = new Float32Array(indices.length * k);
    indices.forEach((s, r) => out.set(this.y!.subarray(s * k, (s + 1) * k), r * k));
    return out;
  }

  /** The cached rows of samples `indices` as a new batch tensor. */
  async get(indices: readonly number[]): Promise<Tensor> {
    const out = Tensor.empty([indices.length, ...this.featShape], 'bottleneck');
    const rb = this.rowSize * 4;
    if (this.gpu) {
      // Runs of consecutive samples are copied at once.
      for (let r = 0; r < indices.length; ) {
        let e = r + 1;
        while (e < indices.length && indices[e] === indices[e - 1] + 1) e++;
        out.device.copy(this.gpu.buffer, indices[r] * rb, out.buffer, r * rb, (e - r) * rb);
        r = e;
      }
      out.device.flush();
    } else {
      const data = new Float32Array(indices.length * this.rowSize);
      for (let r = 0; r < indices.length; r++) data.set(await this.host!.get(indices[r]), r * this.rowSize);
      out.write(data);
    }
    return out;
  }

  dispose(): void {
    this.gpu?.dispose();
    this.host?.dispose?.();
  }
}
