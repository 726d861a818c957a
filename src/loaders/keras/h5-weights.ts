// Keras weights in HDF5: `model_weights` of a full model, `save_weights` files, and Keras 3
// `.weights.h5` (layers/<name>/vars/<i>). Each layer group's `weight_names` attribute is the
// authority (paths inside may differ from layer names; Keras 1 names like convolution2d_1_W).
// Mapping onto a model happens layer by layer, positionally within a layer, as Keras does,
// with Keras's own conversions for Keras 1 layouts and Theano-trained (flipped) kernels.
import type { Model } from '../../graph/model.ts';
import type { Layer } from '../../graph/layer.ts';
import { Model as ModelClass } from '../../graph/model.ts';
import { hostTensor, type HostTensor, type NamedTensors } from '../named-tensors.ts';
import { at, attrString, attrStrings, child, keysOf, readDataset, H5FormatError, type H5Handle, type H5Node } from './h5.ts';

export interface WeightGroup {
  /** Layer name (the group name, or Keras 3's vars `name` attribute). */
  layer: string;
  /** Tensors in `weight_names` order. */
  weights: HostTensor[];
}

export interface KerasWeights {
  kerasVersion: string | null;
  backend: string | null;
  /** 'h5' for Keras 1/2 layouts (layer_names/weight_names), 'keras3' for layers/<name>/vars/<i>. */
  layout: 'h5' | 'keras3';
  groups: WeightGroup[];
}

/** Reads every layer's weights (full model or weights-only file). */
export function readKerasWeights(h: H5Handle): KerasWeights {
  const root = h.root;
  const mw = child(h, root, 'model_weights');
  const g = mw && mw.type === 'Group' ? mw : root;
  const kerasVersion = attrString(h, g, 'keras_version') ?? attrString(h, root, 'keras_version');
  const backend = attrString(h, g, 'backend') ?? attrString(h, root, 'backend');
  const layerNames = attrStrings(h, g, 'layer_names');
  if (layerNames) {
    const groups: WeightGroup[] = [];
    for (const name of layerNames) {
      const lg = child(h, g, name);
      if (!lg || lg.type !== 'Group') throw new H5FormatError(`${h.name}: layer_names lists ${name}, but the file has no group ${g.path === '/' ? '' : g.path}/${name}`);
      const wnames = attrStrings(h, lg, 'weight_names') ?? [];
      const weights = wnames.map((wn) => {
        const ds = at(h, lg, wn);
        if (!ds || ds.type !== 'Dataset') throw new H5FormatError(`${h.name}: layer ${name} lists weight ${wn}, which is not in the file`);
        return readDataset(h, ds, wn);
      });
      groups.push({ layer: name, weights });
    }
    return { kerasVersion, backend, layout: 'h5', groups };
  }
  const layers = child(h, root, 'layers');
  if (layers && layers.type === 'Group') {
    const groups: WeightGroup[] = [];
    walkKeras3(h, layers, groups);
    return { kerasVersion, backend, layout: 'keras3', groups };
  }
  throw new H5FormatError(`${h.name}: no Keras weights here (neither a layer_names attribute nor a layers/ group)`);
}

function walkKeras3(h: H5Handle, layers: H5Node, out: WeightGroup[]): void {
  for (const key of keysOf(h, layers)) {
    const lg = child(h, layers, key)!;
    if (lg.type !== 'Group') continue;
    const vars = child(h, lg, 'vars');
    const name = (vars && attrString(h, vars, 'name')) || key;
    const inner = child(h, lg, 'layers');
    if (inner && inner.type === 'Group') walkKeras3(h, inner, out);
    if (vars && vars.type === 'Group') {
      const idx = keysOf(h, vars).filter((k) => /^\d+$/.test(k)).sort((a, b) => +a - +b);
      if (idx.length || !inner) out.push({ layer: name, weights: idx.map((i) => readDataset(h, child(h, vars, i)!, `${name}/vars/${i}`)) });
    }
  }
}

/** Layers of a model that own weights, nested models flattened only where asked. */
function weightLayers(layers: Layer[]): Layer[] {
  return layers.filter((l) => l.weights.length > 0);
}

export interface MapOptions {
  by?: 'name' | 'order';
  /** Treat kernels as Theano-trained (flip) even when the file does not say so. */
  theano?: boolean;
}

/**
 * Names the file's tensors after the model's variables (layer by layer, positionally), converting
 * Keras 1 / Theano kernels. Tensors without a counterpart keep their file names, so that
 * loadWeights reports them as unused and the model's leftovers as missing.
 */
export function mapKerasWeights(model: Model, w: KerasWeights, opts: MapOptions = {}): NamedTensors {
  const out: NamedTensors = new Map();
  const keras1 = (w.kerasVersion ?? '').startsWith('1');
  const flip = opts.theano ?? w.backend === 'theano';
  const put = (layer: Layer, tensors: HostTensor[]) => {
    const vars = layer.weights;
    const conv = convertLayerWeights(layer, tensors, keras1, flip);
    conv.forEach((t, i) => {
      const v = vars[i];
      const name = v ? v.name : `${layer.name}/${t.name}`;
      out.set(name, { ...t, name: `${t.name}` });
    });
  };
  const groups = w.groups.filter((g) => g.weights.length > 0);
  if (opts.by === 'order') {
    const layers = weightLayers(model.layers);
    if (layers.length !== groups.length) {
      throw new Error(`cannot load by order: the model has ${layers.length} layers with weights, the file ${groups.length}`);
    }
    layers.forEach((l, i) => put(l, groups[i].weights));
    return out;
  }
  const byName = new Map(groups.map((g) => [g.layer, g]));
  const used = new Set<string>();
  const visit = (layers: Layer[]) => {
    for (const l of layers) {
      if (!l.weights.length) continue;
      const g = byName.get(l.name);
      if (g) {
        used.add(g.layer);
        put(l, g.weights);
      } else if (l instanceof ModelClass) visit(l.layers);
    }
  };
  visit(model.layers);
  for (const g of groups) {
    if (used.has(g.layer)) continue;
    g.weights.forEach((t) => out.set(`${g.layer}/${t.name}`, t));
  }
  return out;
}

function transpose(t: HostTensor, perm: number[]): HostTensor {
  const shape = perm.map((p) => t.shape[p]);
  const n = t.data.length;
  const rank = t.shape.length;
  const inStride = new Array(rank).fill(1);
  for (let i = rank - 2; i >= 0; i--) inStride[i] = inStride[i + 1] * t.shape[i + 1];
  const out = new Float32Array(n);
  const idx = new Array(rank).fill(0);
  for (let o = 0; o < n; o++) {
    let src = 0;
    for (let d = 0; d < rank; d++) src += idx[d] * inStride[perm[d]];
    out[o] = t.data[src];
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
  return hostTensor(t.name, shape, out, t.dtype);
}

/** Keras's conv_utils.convert_kernel: reverses every axis but the last two. */
export function flipKernel(t: HostTensor): HostTensor {
  const rank = t.shape.length;
  if (rank < 3) return t;
  const inner = t.shape[rank - 2] * t.shape[rank - 1];
  const spatial = t.shape.slice(0, rank - 2);
  const nsp = spatial.reduce((a, b) => a * b, 1);
  const out = new Float32Array(t.data.length);
  for (let s = 0; s < nsp; s++) {
    out.set(t.data.subarray((nsp - 1 - s) * inner, (nsp - s) * inner), s * inner);
  }
  return hostTensor(t.name, t.shape.slice(), out, t.dtype);
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/** Keras's preprocess_weights_for_loading for the layers we run. */
export function convertLayerWeights(layer: Layer, weights: HostTensor[], keras1: boolean, theano: boolean): HostTensor[] {
  const cls = layer.className;
  if (!/^(Conv2D|Conv2DTranspose|Conv1D|Conv3D)$/.test(cls) || !weights.length) return weights;
  let k = weights[0];
  const want = layer.weights[0]?.shape ?? k.shape;
  const cfg = layer.getConfig();
  const cf = cfg.data_format === 'channels_first';
  if (keras1 && k.shape.length === 4) {
    if (cls === 'Conv2D' && cf) k = transpose(k, [2, 3, 1, 0]);
    if (cls === 'Conv2DTranspose') k = transpose(k, cf ? [2, 3, 0, 1] : [0, 1, 3, 2]);
  }
  if (theano) k = flipKernel(k);
  if (k.shape.length === 4 && !sameShape(k.shape, want)) {
    const t = transpose(k, [3, 2, 0, 1]);
    if (sameShape(t.shape, want)) k = t;
    else {
      const t2 = transpose(k, [2, 3, 1, 0]);
      if (sameShape(t2.shape, want)) k = t2;
    }
  }
  return [k, ...weights.slice(1)];
}

/** Sizes of every array under model_weights (optimizer state excluded), per layer. */
export function fileParamCounts(w: KerasWeights): Map<string, number> {
  return new Map(w.groups.map((g) => [g.layer, g.weights.reduce((s, t) => s + t.data.length, 0)]));
}
