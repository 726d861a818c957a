// Keras `model_config` (H5 attribute, tfjs modelTopology, .keras config.json) -> our Model.
// Handles Sequential (Keras <= 2.1 list form and the dict form), Functional/Model with
// `inbound_nodes` in Keras 1/2 list form and Keras 3 dict form, nested models, Keras 1 class and
// argument names, and `trainable` flags. Layers are built only through LAYER_CLASSES, and every
// class missing there is reported at once.
import { LAYER_CLASSES } from '../../graph/layers/registry.ts';
import { InputLayer, Model, Sequential } from '../../graph/model.ts';
import type { KerasConfig, Layer } from '../../graph/layer.ts';
import type { SymbolicTensor } from '../../graph/symbolic.ts';
import type { Shape } from '../../graph/tensor.ts';

export interface LayerSpec {
  class_name: string;
  config: KerasConfig | KerasConfig[];
  name?: string;
  inbound_nodes?: unknown[];
}

export interface BuildOptions {
  /** Replaces the input shape (batch excluded) of the outermost model's first input. */
  inputShape?: Shape;
  /** For messages. */
  source?: string;
}

const MODEL_CLASSES = new Set(['Model', 'Functional', 'Sequential']);

/** Classes refused by design (CONTRACTS): recurrent, locally connected, Lambda, 1-D layers. */
const OUT_OF_SCOPE = /^(SimpleRNN|GRU|LSTM|ConvLSTM2D|CuDNNGRU|CuDNNLSTM|RNN|Bidirectional|TimeDistributed|SimpleRNNCell|GRUCell|LSTMCell|LocallyConnected1D|LocallyConnected2D|Lambda|Conv1D|Convolution1D|SeparableConv1D|Conv1DTranspose|MaxPooling1D|AveragePooling1D|GlobalAveragePooling1D|GlobalMaxPooling1D|UpSampling1D|ZeroPadding1D|Cropping1D|RepeatVector|Embedding|MaxPool1D|AvgPool1D|SpatialDropout1D)$/;

/** Keras 1 / alias class names -> Keras 2 names. */
const CLASS_ALIASES: Record<string, string> = {
  Convolution2D: 'Conv2D',
  AtrousConvolution2D: 'Conv2D',
  Deconvolution2D: 'Conv2DTranspose',
  SeparableConvolution2D: 'SeparableConv2D',
  MaxPool2D: 'MaxPooling2D',
  AvgPool2D: 'AveragePooling2D',
  GlobalAvgPool2D: 'GlobalAveragePooling2D',
  GlobalMaxPool2D: 'GlobalMaxPooling2D',
  Functional: 'Model',
};

const pair = (v: unknown): unknown => (Array.isArray(v) ? v : v === undefined ? undefined : [v, v]);

/** Keras 1 argument names -> Keras 2 (the Keras 2 names win where both exist). */
export function keras1Config(className: string, c: KerasConfig): [string, KerasConfig] {
  let cls = CLASS_ALIASES[className] ?? className;
  const out: KerasConfig = { ...c };
  const set = (k: string, v: unknown) => {
    if (v !== undefined && out[k] === undefined) out[k] = v;
  };
  if (c.nb_filter !== undefined) set('filters', c.nb_filter);
  if (c.nb_row !== undefined) set('kernel_size', [c.nb_row, c.nb_col]);
  if (c.subsample !== undefined) set('strides', c.subsample);
  if (c.border_mode !== undefined) set('padding', c.border_mode);
  if (c.atrous_rate !== undefined) set('dilation_rate', c.atrous_rate);
  if (c.dim_ordering !== undefined) set('data_format', c.dim_ordering === 'th' ? 'channels_first' : c.dim_ordering === 'tf' ? 'channels_last' : c.dim_ordering);
  if (c.bias !== undefined) set('use_bias', c.bias);
  if (c.output_dim !== undefined) set('units', c.output_dim);
  if (c.init !== undefined) set('kernel_initializer', c.init);
  if (c.pool_size !== undefined) set('pool_size', pair(c.pool_size));
  if (c.depth_multiplier !== undefined) set('depth_multiplier', c.depth_multiplier);
  if (c.p !== undefined) set('rate', c.p);
  if (c.input_dtype !== undefined) set('dtype', c.input_dtype);
  if (className === 'Merge') {
    const mode = c.mode as string;
    cls = mode === 'sum' ? 'Add' : mode === 'mul' ? 'Multiply' : mode === 'concat' ? 'Concatenate' : mode === 'ave' ? 'Average' : mode === 'max' ? 'Maximum' : `Merge(mode=${mode})`;
    if (c.concat_axis !== undefined) set('axis', c.concat_axis);
  }
  if (cls === 'Conv2DTranspose' && c.output_shape !== undefined) delete out.output_shape;
  return [cls, out];
}

/** The batch-less input shape a layer config declares, if any. */
export function declaredInputShape(c: KerasConfig): (number | null)[] | null {
  const bis = (c.batch_input_shape ?? c.batch_shape) as (number | null)[] | undefined;
  if (bis) return bis.slice(1);
  if (c.input_shape) return (c.input_shape as (number | null)[]).slice();
  if (c.input_dim !== undefined) return [c.input_dim as number];
  return null;
}

function layersOf(spec: LayerSpec): LayerSpec[] {
  const c = spec.config;
  if (Array.isArray(c)) return c as unknown as LayerSpec[];
  return ((c as KerasConfig).layers as LayerSpec[]) ?? [];
}

/** Every unsupported class in a config tree, with the layer names that use it. */
export function unsupportedClasses(spec: LayerSpec): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const visit = (s: LayerSpec) => {
    const [cls] = keras1Config(s.class_name, (Array.isArray(s.config) ? {} : s.config) ?? {});
    if (MODEL_CLASSES.has(cls)) {
      for (const l of layersOf(s)) visit(l);
      return;
    }
    if (cls === 'InputLayer' || LAYER_CLASSES[cls]) return;
    const name = (s.name ?? (s.config as KerasConfig)?.name ?? '?') as string;
    if (!out.has(cls)) out.set(cls, []);
    out.get(cls)!.push(name);
  };
  visit(spec);
  return out;
}

export class UnsupportedLayersError extends Error {
  constructor(
    source: string,
    readonly classes: Map<string, string[]>,
  ) {
    const refused = [...classes.keys()].filter((c) => OUT_OF_SCOPE.test(c));
    const missing = [...classes.keys()].filter((c) => !OUT_OF_SCOPE.test(c));
    const fmt = (cs: string[]) => cs.map((c) => `${c} (${classes.get(c)!.slice(0, 4).join(', ')}${classes.get(c)!.length > 4 ? ', ...' : ''})`).join(', ');
    const parts: string[] = [];
    if (refused.length) parts.push(`layer classes outside what webgpu-finetune runs (recurrent, locally connected, Lambda and 1-D layers are refused): ${fmt(refused)}`);
    if (missing.length) parts.push(`layer classes not implemented: ${fmt(missing)}`);
    super(`${source}: cannot build the model: ${parts.join('; ')}`);
  }
}

/** Parses a model config (object or JSON text) into a Model, after checking every class. */
export function modelFromConfig(config: LayerSpec | string, opts: BuildOptions = {}): Model {
  const spec = (typeof config === 'string' ? JSON.parse(config) : config) as LayerSpec;
  const source = opts.source ?? 'model_config';
  if (spec.class_name === undefined || spec.config === undefined) throw new Error(`${source}: model_config has no class_name/config`);
  const [cls] = keras1Config(spec.class_name, {});
  if (!MODEL_CLASSES.has(cls)) throw new Error(`${source}: model_config describes a ${spec.class_name}, not a Model or Sequential`);
  const bad = unsupportedClasses(spec);
  if (bad.size) throw new UnsupportedLayersError(source, bad);
  return buildModel(spec, opts, source, true);
}

function concreteShape(shape: (number | null)[] | null, what: string, source: string): Shape {
  if (!shape) throw new Error(`${source}: ${what} declares no input shape`);
  if (shape.some((d) => d === null || d === undefined)) {
    throw new Error(`${source}: ${what} has input shape [${shape.map((d) => d ?? 'None')}] with unknown sizes; give an input shape (inputShape / --input-shape)`);
  }
  return shape as number[];
}

function makeLayer(s: LayerSpec, opts: BuildOptions, source: string): Layer {
  const [cls, cfg] = keras1Config(s.class_name, (s.config as KerasConfig) ?? {});
  if (MODEL_CLASSES.has(cls)) return buildModel(s, { source }, source, false);
  const c = { ...cfg, name: cfg.name ?? s.name };
  if (cls === 'InputLayer') {
    const shape = opts.inputShape ?? concreteShape(declaredInputShape(c), `input ${c.name}`, source);
    return new InputLayer(shape, { name: c.name as string });
  }
  const make = LAYER_CLASSES[cls];
  try {
    return make(c);
  } catch (e) {
    throw new Error(`${source}: layer ${c.name} (${cls}): ${(e as Error).message}`);
  }
}

function buildModel(spec: LayerSpec, opts: BuildOptions, source: string, outer: boolean): Model {
  const [cls] = keras1Config(spec.class_name, {});
  const cfg = (Array.isArray(spec.config) ? {} : spec.config) as KerasConfig;
  const name = (cfg.name ?? spec.name) as string | undefined;
  let model: Model;
  if (cls === 'Sequential') {
    const specs = layersOf(spec);
    if (!specs.length) throw new Error(`${source}: Sequential ${name ?? ''} has no layers`);
    const layers: Layer[] = [];
    let inputShape: Shape | undefined;
    specs.forEach((s, i) => {
      const [c1, c] = keras1Config(s.class_name, (s.config as KerasConfig) ?? {});
      // A nested model first (a vgg16 Model inside a Sequential) brings its own input.
      if (i === 0 && c1 !== 'InputLayer' && !MODEL_CLASSES.has(c1)) {
        const decl = declaredInputShape(c) ?? (cfg.build_input_shape ? (cfg.build_input_shape as (number | null)[]).slice(1) : null);
        inputShape = outer && opts.inputShape ? opts.inputShape : concreteShape(decl, `the first layer ${c.name ?? s.class_name}`, source);
      }
      layers.push(makeLayer(s, i === 0 && outer ? opts : {}, source));
    });
    try {
      model = new Sequential(layers, { name, inputShape });
    } catch (e) {
      throw new Error(`${source}: ${(e as Error).message}`);
    }
  } else {
    model = buildFunctional(spec, cfg, outer ? opts : {}, source, name);
  }
  if (cfg.trainable === false) model.trainable = false;
  return model;
}

type Ref = [string, number, number];

/** Inbound references of one node, in Keras 1/2 list form or Keras 3 dict form. */
function nodeRefs(node: unknown, source: string, layer: string): Ref[] {
  if (Array.isArray(node)) {
    return node.map((r) => {
      if (!Array.isArray(r)) throw new Error(`${source}: layer ${layer}: bad inbound node ${JSON.stringify(r)}`);
      return [r[0] as string, (r[1] as number) ?? 0, (r[2] as number) ?? 0];
    });
  }
  const refs: Ref[] = [];
  const walk = (a: unknown) => {
    if (Array.isArray(a)) a.forEach(walk);
    else if (a && typeof a === 'object') {
      const o = a as { class_name?: string; config?: { keras_history?: Ref } };
      if (o.class_name === '__keras_tensor__' && o.config?.keras_history) refs.push(o.config.keras_history);
    }
  };
  walk((node as { args?: unknown[] }).args ?? []);
  return refs;
}

function ioRefs(v: unknown): Ref[] {
  if (!Array.isArray(v)) return [];
  if (v.length && typeof v[0] === 'string') return [v as unknown as Ref];
  return v as Ref[];
}

function buildFunctional(spec: LayerSpec, cfg: KerasConfig, opts: BuildOptions, source: string, name?: string): Model {
  const specs = layersOf(spec);
  const inputRefs = ioRefs(cfg.input_layers);
  const outputRefs = ioRefs(cfg.output_layers);
  const byName = new Map<string, { spec: LayerSpec; layer: Layer; outputs: SymbolicTensor[] }>();
  for (const s of specs) {
    const lname = (s.name ?? (s.config as KerasConfig)?.name) as string;
    const isFirstInput = inputRefs.length && inputRefs[0][0] === lname;
    const layer = makeLayer(s, isFirstInput ? opts : {}, source);
    const outputs: SymbolicTensor[] = layer instanceof InputLayer ? [layer.output] : [];
    byName.set(lname, { spec: s, layer, outputs });
  }
  // Apply calls in dependency order (Keras's from_config: retry until every node is made).
  const pending: { lname: string; node: unknown; index: number }[] = [];
  for (const s of specs) {
    const lname = (s.name ?? (s.config as KerasConfig)?.name) as string;
    (s.inbound_nodes ?? []).forEach((node, index) => pending.push({ lname, node, index }));
  }
  const done = new Set<string>();
  let progress = true;
  while (pending.length && progress) {
    progress = false;
    for (let i = 0; i < pending.length; ) {
      const p = pending[i];
      const entry = byName.get(p.lname)!;
      // Calls of one layer happen in node order.
      if (entry.outputs.length - (entry.layer instanceof InputLayer ? 1 : 0) !== p.index && !(entry.layer instanceof InputLayer)) {
        i++;
        continue;
      }
      const refs = nodeRefs(p.node, source, p.lname);
      const inputs: SymbolicTensor[] = [];
      let ready = true;
      for (const [rn, ni] of refs) {
        const src = byName.get(rn);
        if (!src) throw new Error(`${source}: layer ${p.lname} takes input from unknown layer ${rn}`);
        const t = src.outputs[nodeIndex(src.layer, ni)];
        if (!t) {
          ready = false;
          break;
        }
        inputs.push(t);
      }
      if (!ready) {
        i++;
        continue;
      }
      if (entry.layer instanceof InputLayer) {
        pending.splice(i, 1);
        progress = true;
        continue;
      }
      let out: SymbolicTensor;
      try {
        out = entry.layer.apply(inputs.length === 1 && !takesList(entry.layer) ? inputs[0] : inputs);
      } catch (e) {
        const msg = (e as Error).message;
        throw new Error(`${source}: layer ${p.lname} (${entry.spec.class_name}): ${msg}`);
      }
      entry.outputs.push(out);
      done.add(`${p.lname}#${p.index}`);
      pending.splice(i, 1);
      progress = true;
    }
  }
  if (pending.length) throw new Error(`${source}: cannot connect layers ${[...new Set(pending.map((p) => p.lname))].join(', ')} (their inputs are never produced)`);
  const tensor = ([ln, ni]: Ref): SymbolicTensor => {
    const e = byName.get(ln);
    const t = e?.outputs[nodeIndex(e.layer, ni)];
    if (!t) throw new Error(`${source}: model ${name}: no output ${ln}[${ni}]`);
    return t;
  };
  try {
    return new Model({ inputs: inputRefs.map(tensor), outputs: outputRefs.map(tensor), name });
  } catch (e) {
    throw new Error(`${source}: ${(e as Error).message}`);
  }
}

/**
 * Our call index for a config node index. Nested models start with a node of their own that
 * Keras leaves out of the config (its node_conversion_map), so their first call is node 1.
 */
const nodeIndex = (l: Layer, ni: number): number => (l instanceof Model && !(l instanceof InputLayer) ? Math.max(0, ni - 1) : ni);

const takesList = (l: Layer): boolean => /^(Concatenate|Add|Multiply|Average|Maximum|Minimum|Subtract|Dot)$/.test(l.className);

/** The layer classes a config uses (for inspect on files we cannot build). */
export function configLayers(spec: LayerSpec): { name: string; className: string; config: KerasConfig; depth: number }[] {
  const out: { name: string; className: string; config: KerasConfig; depth: number }[] = [];
  const visit = (s: LayerSpec, depth: number) => {
    for (const l of layersOf(s)) {
      const c = (Array.isArray(l.config) ? {} : l.config) as KerasConfig;
      out.push({ name: (l.name ?? c.name) as string, className: l.class_name, config: c, depth });
      if (MODEL_CLASSES.has(CLASS_ALIASES[l.class_name] ?? l.class_name)) visit(l, depth + 1);
    }
  };
  visit(spec, 0);
  return out;
}
