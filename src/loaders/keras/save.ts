// Writes a model as a Keras 2 full-model H5 file (`model.save('x.h5')` layout, as tf.keras
// 2.2.4 writes it): root attributes model_config / keras_version / backend, and model_weights
// with layer_names, per-layer weight_names and float32 datasets at <layer>/<weight name>.
import { InputLayer, Model, Sequential } from '../../graph/model.ts';
import type { KerasConfig, Layer } from '../../graph/layer.ts';
import { writeH5Bytes, type H5Node } from './h5.ts';

export const SAVED_KERAS_VERSION = '2.2.4-tf';

type NodeRef = [string, number, number, Record<string, never>];

/** Keras's index of a call in a config: nested models start at 1 (their own node is left out). */
const configIndex = (l: Layer, callIndex: number, calls: number[]): number => (l instanceof Model ? 1 : 0) + calls.indexOf(callIndex);

/** Keras 2 model_config of a model (Model in functional form, Sequential in list-of-layers form). */
export function modelConfig(model: Model): { class_name: string; config: KerasConfig } {
  if (model instanceof Sequential) {
    const layers = model.layers.map((l, i) => {
      const entry = layerEntry(l);
      if (i === 0) entry.config = { ...entry.config, batch_input_shape: [null, ...model.inputShape] };
      return entry;
    });
    return { class_name: 'Sequential', config: { name: model.name, layers } };
  }
  const calls = new Map<Layer, number[]>();
  for (const n of model.graphNodes) {
    if (!calls.has(n.layer)) calls.set(n.layer, []);
    calls.get(n.layer)!.push(n.callIndex);
  }
  for (const c of calls.values()) c.sort((a, b) => a - b);
  const ref = (l: Layer, ci: number): NodeRef => [l.name, l instanceof InputLayer ? 0 : configIndex(l, ci, calls.get(l) ?? [ci]), 0, {}];
  const layers = model.layers.map((l) => {
    const entry = layerEntry(l) as { name: string; class_name: string; config: KerasConfig; inbound_nodes: NodeRef[][] };
    entry.name = l.name;
    entry.inbound_nodes =
      l instanceof InputLayer
        ? []
        : (calls.get(l) ?? []).map((ci) => l.inboundCalls[ci].inputs.map((s) => ref(s.layer, s.callIndex)));
    return { name: entry.name, class_name: entry.class_name, config: entry.config, inbound_nodes: entry.inbound_nodes };
  });
  return {
    class_name: 'Model',
    config: {
      name: model.name,
      layers,
      input_layers: model.inputs.map((s) => ref(s.layer, s.callIndex).slice(0, 3)),
      output_layers: model.outputs.map((s) => ref(s.layer, s.callIndex).slice(0, 3)),
    },
  };
}

function layerEntry(l: Layer): { class_name: string; config: KerasConfig; name?: string; inbound_nodes?: unknown } {
  if (l instanceof Model) {
    const c = modelConfig(l);
    return { class_name: c.class_name, config: { ...c.config, trainable: l.trainable } };
  }
  return { class_name: l.className, config: l.getConfig() };
}

/** One layer's weights: names (Keras weight names) and float32 values. */
async function layerWeights(l: Layer): Promise<{ name: string; shape: number[]; data: Float32Array }[]> {
  const out = [];
  for (const v of l.weights) out.push({ name: v.name, shape: [...v.shape], data: await v.data() });
  return out;
}

const fixedWidth = (names: string[]): string => `S${Math.max(1, ...names.map((n) => new TextEncoder().encode(n).length))}`;

function stringList(node: H5Node, name: string, values: string[]): void {
  if (!values.length) node.create_attribute!(name, new Float64Array(0), [0], '<d');
  else node.create_attribute!(name, values, [values.length], fixedWidth(values));
}

/** Saves a model to Keras H5 bytes (float32 weights); `classNames` become a root `class_names` attribute (JSON). */
export async function saveKerasH5(model: Model, opts: { backend?: string; classNames?: string[] } = {}): Promise<Uint8Array> {
  const backend = opts.backend ?? 'tensorflow';
  const config = JSON.stringify(modelConfig(model));
  const layers = model.layers;
  const weights = new Map<Layer, Awaited<ReturnType<typeof layerWeights>>>();
  for (const l of layers) weights.set(l, await layerWeights(l));
  return writeH5Bytes((root) => {
    root.create_attribute!('keras_version', SAVED_KERAS_VERSION);
    root.create_attribute!('backend', backend);
    root.create_attribute!('model_config', config);
    if (opts.classNames) root.create_attribute!('class_names', JSON.stringify(opts.classNames));
    const mw = root.create_group!('model_weights');
    mw.create_attribute!('backend', backend);
    mw.create_attribute!('keras_version', SAVED_KERAS_VERSION);
    stringList(mw, 'layer_names', layers.map((l) => l.name));
    for (const l of layers) {
      const g = mw.create_group!(l.name);
      const ws = weights.get(l)!;
      stringList(g, 'weight_names', ws.map((w) => w.name));
      for (const w of ws) {
        const parts = w.name.split('/');
        let cur = g;
        for (const p of parts.slice(0, -1)) cur = (cur.keys!().includes(p) ? cur.get!(p) : cur.create_group!(p)) as H5Node;
        cur.create_dataset!({ name: parts[parts.length - 1], data: w.data, shape: w.shape, dtype: '<f' });
      }
    }
  });
}
