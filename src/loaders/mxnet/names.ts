// MXNet parameter names and layouts -> our Keras-named variables. Names come as structural Gluon
// names (`features.1.weight`), legacy prefixes (`resnetv20_conv0_weight`,
// `batchnorm0_running_mean`) and Module checkpoint names (`arg:conv1_weight`, `aux:bn_moving_var`).
// MXNet stores NCHW/OIHW: conv weights become HWIO, depthwise [C*M,1,kh,kw] becomes [kh,kw,C,M],
// FullyConnected [out,in] becomes Dense [in,out] (rows permuted from NCHW to NHWC flatten order
// when the Dense follows a flattened feature map), once, at load.
import type { HostTensor, NamedTensors } from '../named-tensors.ts';
import { loadWeights, type LoadOptions, type LoadReport } from '../../graph/load-weights.ts';
import type { Model } from '../../graph/model.ts';
import type { Layer } from '../../graph/layer.ts';
import { writeMxnetParams } from './params.ts';

/** MXNet parameter suffixes, longest first, and the Keras weight each becomes (per layer kind). */
const SUFFIXES = ['running_mean', 'running_var', 'moving_mean', 'moving_var', 'weight', 'bias', 'gamma', 'beta', 'alpha'];

export interface MxName {
  /** 'arg' / 'aux' for Module checkpoints, null otherwise. */
  kind: 'arg' | 'aux' | null;
  /** The name without arg:/aux:. */
  full: string;
  /** The block (layer) part: `features.1`, `resnetv20_conv0`, `conv_1_batchnorm`. */
  prefix: string;
  /** weight, bias, gamma, beta, running_mean, running_var (moving_* normalized to running_*). */
  param: string;
}

export function parseMxName(name: string): MxName {
  let kind: MxName['kind'] = null;
  let full = name;
  if (name.startsWith('arg:') || name.startsWith('aux:')) {
    kind = name.slice(0, 3) as 'arg' | 'aux';
    full = name.slice(4);
  }
  for (const s of SUFFIXES) {
    if (full === s) return { kind, full, prefix: '', param: norm(s) };
    for (const sep of ['.', '_']) {
      if (full.endsWith(sep + s)) return { kind, full, prefix: full.slice(0, -(s.length + 1)), param: norm(s) };
    }
  }
  return { kind, full, prefix: full, param: '' };
}
const norm = (s: string) => (s === 'moving_mean' ? 'running_mean' : s === 'moving_var' ? 'running_var' : s);

/** True for running statistics (counted apart from learnable parameters). */
export const isRunningStat = (name: string): boolean => /(running|moving)_(mean|var)$/.test(name);

/** The Keras weight name of an MXNet parameter for a layer of `className`. */
export function kerasWeightName(className: string, param: string): string | null {
  switch (param) {
    case 'weight':
      if (className === 'DepthwiseConv2D') return 'depthwise_kernel';
      return className === 'PReLU' ? 'alpha' : 'kernel';
    case 'gamma':
      return className === 'PReLU' ? 'alpha' : 'gamma';
    case 'alpha':
      return 'alpha';
    case 'bias':
    case 'beta':
      return param;
    case 'running_mean':
      return 'moving_mean';
    case 'running_var':
      return 'moving_variance';
  }
  return null;
}

// ---- layout conversions (host, once at load) ----

export function oihwToHwio(d: Float32Array, [o, i, h, w]: readonly number[]): Float32Array {
  const out = new Float32Array(d.length);
  for (let a = 0; a < o; a++) for (let b = 0; b < i; b++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    out[((y * w + x) * i + b) * o + a] = d[((a * i + b) * h + y) * w + x];
  }
  return out;
}

/** [C*M, 1, kh, kw] -> [kh, kw, C, M]: output channel c*M+m of group c. */
export function depthwiseToKeras(d: Float32Array, [om, , h, w]: readonly number[], channels: number): Float32Array {
  const m = om / channels;
  const out = new Float32Array(d.length);
  for (let c = 0; c < channels; c++) for (let k = 0; k < m; k++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    out[((y * w + x) * channels + c) * m + k] = d[((c * m + k) * h + y) * w + x];
  }
  return out;
}

/** FullyConnected [out, in] -> Dense [in, out]; `chw` gives the NCHW map a flatten came from. */
export function fcToDense(d: Float32Array, [o, n]: readonly number[], chw?: readonly number[]): Float32Array {
  const out = new Float32Array(d.length);
  if (chw && chw[1] * chw[2] > 1) {
    const [c, h, w] = chw;
    for (let a = 0; a < o; a++) for (let ci = 0; ci < c; ci++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      out[((y * w + x) * c + ci) * o + a] = d[a * n + (ci * h + y) * w + x];
    }
    return out;
  }
  for (let a = 0; a < o; a++) for (let b = 0; b < n; b++) out[b * o + a] = d[a * n + b];
  return out;
}

/** Inverse conversions, for writing our weights as an MXNet file. */
export function hwioToOihw(d: Float32Array, [h, w, i, o]: readonly number[]): Float32Array {
  const out = new Float32Array(d.length);
  for (let a = 0; a < o; a++) for (let b = 0; b < i; b++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    out[((a * i + b) * h + y) * w + x] = d[((y * w + x) * i + b) * o + a];
  }
  return out;
}
export function denseToFc(d: Float32Array, [n, o]: readonly number[]): Float32Array {
  const out = new Float32Array(d.length);
  for (let a = 0; a < o; a++) for (let b = 0; b < n; b++) out[a * n + b] = d[b * o + a];
  return out;
}

/** Per-layer hints a symbol graph knows and a layer class does not (NCHW flatten before a Dense). */
export const flattenSource = new WeakMap<Layer, readonly number[]>();

/** Converts one MXNet tensor to the layout of `layer`'s weight (shape checked by the caller). */
export function toKerasLayout(layer: Layer, weight: string, t: HostTensor): HostTensor {
  const s = t.shape;
  const conv = (shape: number[], data: Float32Array): HostTensor => ({ name: t.name, shape, dtype: t.dtype, data });
  if (weight === 'kernel' && s.length === 4 && (layer.className === 'Conv2D' || layer.className === 'Conv2DTranspose')) {
    return conv([s[2], s[3], s[1], s[0]], oihwToHwio(t.data, s));
  }
  if (weight === 'depthwise_kernel' && s.length === 4) {
    const c = (layer as unknown as { depthwiseKernel?: { shape: number[] } }).depthwiseKernel?.shape[2] ?? s[0];
    return conv([s[2], s[3], c, s[0] / c], depthwiseToKeras(t.data, s, c));
  }
  if (weight === 'kernel' && s.length === 2 && layer.className === 'Dense') {
    return conv([s[1], s[0]], fcToDense(t.data, s, flattenSource.get(layer)));
  }
  if (weight === 'alpha' && layer.className === 'PReLU') {
    const v = layer.weights.find((w) => w.name.endsWith('/alpha:0'));
    if (v && v.size === t.data.length) return conv([...v.shape], t.data);
  }
  return t;
}

export interface MxLoadOptions extends LoadOptions {
  /** File names (after arg:/aux:) that are deliberately not loaded (e.g. gamma under fix_gamma). */
  ignore?: Set<string>;
  /** MXNet parameter prefix -> our layer name, where they differ (symbol graphs, legacy names). */
  layerOf?: (prefix: string, name: MxName) => string | undefined;
}

/**
 * Renames and converts MXNet tensors to our Keras weight names and layouts for `model`
 * (layers named like the MXNet blocks: `features.0`, `conv_1_conv2d`), then loads them with the
 * usual missing / unused / mis-shaped report.
 */
export function loadMxnetWeights(model: Model, tensors: NamedTensors, opts: MxLoadOptions = {}, source = 'MXNet parameters'): LoadReport {
  const byName = new Map<string, Layer>();
  const walk = (m: Model) => {
    for (const l of m.layers) {
      byName.set(l.name, l);
      if ((l as Model).layers) walk(l as Model);
    }
  };
  walk(model);
  const out: NamedTensors = new Map();
  for (const [key, t] of tensors) {
    const n = parseMxName(t.name || key);
    if (opts.ignore?.has(n.full)) continue;
    const layerName = opts.layerOf?.(n.prefix, n) ?? n.prefix;
    const layer = byName.get(layerName);
    const w = layer ? kerasWeightName(layer.className, n.param) : null;
    if (!layer || !w) {
      out.set(key, t); // reported as unused by loadWeights
      continue;
    }
    const varName = `${layer.name}/${w}`;
    const v = layer.weights.find((x) => x.name.replace(/:\d+$/, '') === varName);
    const c = v ? toKerasLayout(layer, w, t) : t;
    out.set(varName, c);
  }
  return loadWeights(model, out, opts, source);
}

/** Our weight name -> Gluon parameter suffix. */
const GLUON_PARAM: Record<string, string> = {
  kernel: 'weight',
  depthwise_kernel: 'weight',
  bias: 'bias',
  gamma: 'gamma',
  beta: 'beta',
  moving_mean: 'running_mean',
  moving_variance: 'running_var',
  alpha: 'alpha',
};

export interface GluonTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

/**
 * A model's weights as Gluon parameters: `<layer>.<weight|bias|gamma|beta|running_mean|running_var>`
 * (structural names when the layers carry them, as the Gluon zoo models here do), in MXNet layouts.
 */
export async function gluonParamTensors(model: Model): Promise<GluonTensor[]> {
  const out: GluonTensor[] = [];
  for (const layer of model.layers) {
    for (const v of layer.weights) {
      const w = v.name.replace(/:\d+$/, '').slice(layer.name.length + 1);
      const p = GLUON_PARAM[w];
      if (!p) throw new Error(`cannot name weight ${v.name} (${layer.className}) as a Gluon parameter`);
      const d = await v.data();
      const s = [...v.shape];
      let shape = s;
      let data = d;
      if (w === 'kernel' && s.length === 4) {
        shape = [s[3], s[2], s[0], s[1]];
        data = hwioToOihw(d, s);
      } else if (w === 'depthwise_kernel') {
        const [h, ww, c, m] = s;
        shape = [c * m, 1, h, ww];
        data = hwioToOihw(d, [h, ww, 1, c * m]); // [kh,kw,C,M] is [kh,kw,1,C*M] in memory
      } else if (w === 'kernel' && s.length === 2) {
        shape = [s[1], s[0]];
        data = denseToFc(d, s);
      } else if (w === 'alpha') {
        shape = [d.length];
      }
      out.push({ name: `${layer.name}.${p}`, shape, data });
    }
  }
  return out;
}

/** A model's weights as a v2 Gluon `.params` file (what `load_parameters` reads). */
export async function saveGluonParams(model: Model): Promise<Uint8Array> {
  return writeMxnetParams(await gluonParamTensors(model));
}

/**
 * Loads a Gluon `.params` file (structural names from `save_parameters`, or the legacy prefixed
 * names of model-zoo files and `save_params`) into a Gluon model built in code (src/zoo/gluon-resnet.ts).
 */
export function loadGluonParams(g: { model: Model; legacyPrefix: Map<string, string> }, tensors: NamedTensors, opts: LoadOptions = {}, source = 'Gluon parameters'): LoadReport {
  const names = [...tensors.values()].map((t) => t.name);
  const structural = names.some((n) => parseMxName(n).prefix.startsWith('features.') || n.startsWith('output.'));
  if (structural) return loadMxnetWeights(g.model, tensors, opts, source);
  const byLegacy = new Map([...g.legacyPrefix].map(([ours, leg]) => [leg, ours]));
  // Files saved by a net with another root prefix (resnetv21_ ...) still load: strip any resnetvNN_.
  const rootless = (p: string) => p.replace(/^resnetv\d+_/, '');
  const byRootless = new Map([...g.legacyPrefix].map(([ours, leg]) => [rootless(leg), ours]));
  return loadMxnetWeights(g.model, tensors, { ...opts, layerOf: (prefix) => byLegacy.get(prefix) ?? byRootless.get(rootless(prefix)) }, source);
}
