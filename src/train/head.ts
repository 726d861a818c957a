// Classifier heads from a spec string, built onto a (cut) backbone with Keras layer classes:
//   "gap,dense:1024:relu,dropout:0.5,dense:10:softmax"
// Tokens: gap | gmp | flatten | dense:UNITS[:ACTIVATION] | dropout:RATE | bn | act:NAME (or a bare
// activation name: relu, softmax, sigmoid, ...). Layers come from the Keras class table, so every
// class a file can hold can also be a head layer.
import type { KerasConfig, Layer } from '../graph/layer.ts';
import { LAYER_CLASSES } from '../graph/layers/registry.ts';
import { Model } from '../graph/model.ts';

const ACTIVATIONS = new Set(['relu', 'relu6', 'elu', 'selu', 'softplus', 'softsign', 'sigmoid', 'hard_sigmoid', 'tanh', 'softmax', 'swish', 'linear']);

/** Keras class name and config of one head token. */
export function headToken(tok: string): { className: string; config: KerasConfig } {
  const [kind, ...args] = tok.trim().split(':');
  const num = (s: string | undefined, what: string) => {
    const v = Number(s);
    if (s === undefined || s === '' || !Number.isFinite(v)) throw new Error(`head: '${tok}' needs a number for ${what}`);
    return v;
  };
  switch (kind.toLowerCase()) {
    case 'gap':
      return { className: 'GlobalAveragePooling2D', config: { data_format: 'channels_last' } };
    case 'gmp':
      return { className: 'GlobalMaxPooling2D', config: { data_format: 'channels_last' } };
    case 'flatten':
      return { className: 'Flatten', config: { data_format: 'channels_last' } };
    case 'dense': {
      const units = num(args[0], 'units');
      if (!Number.isInteger(units) || units < 1) throw new Error(`head: '${tok}': units must be a positive integer`);
      return { className: 'Dense', config: { units, activation: args[1] || 'linear', use_bias: true } };
    }
    case 'dropout': {
      const rate = num(args[0], 'the rate');
      if (rate < 0 || rate >= 1) throw new Error(`head: '${tok}': the rate must be in [0, 1)`);
      return { className: 'Dropout', config: { rate } };
    }
    case 'bn':
      return { className: 'BatchNormalization', config: { axis: -1, momentum: 0.99, epsilon: 0.001, center: true, scale: true } };
    case 'act':
      return { className: 'Activation', config: { activation: args[0] } };
    default:
      if (ACTIVATIONS.has(kind)) return { className: 'Activation', config: { activation: kind } };
      throw new Error(`head: unknown token '${tok}' (use gap, gmp, flatten, dense:UNITS[:ACT], dropout:RATE, bn, act:NAME)`);
  }
}

/** Keras's to_snake_case: GlobalAveragePooling2D -> global_average_pooling2d. */
const snake = (c: string) => c.replace(/(.)([A-Z][a-z]+)/g, '$1_$2').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();

/** The head's layers, named like Keras defaults but never clashing with `taken`. */
export function headLayers(spec: string, taken: Set<string> = new Set()): Layer[] {
  const tokens = spec.split(',').filter((t) => t.trim());
  if (!tokens.length) throw new Error('head: the spec is empty');
  return tokens.map((tok) => {
    const { className, config } = headToken(tok);
    const make = LAYER_CLASSES[className];
    if (!make) throw new Error(`head: layer class ${className} (from '${tok}') is not available in this build`);
    const base = snake(className);
    let name = base;
    for (let i = 1; taken.has(name); i++) name = `${base}_${i}`;
    taken.add(name);
    return make({ name, trainable: true, ...config });
  });
}

/** A new model: `backbone`'s inputs through its output and then the head. Shares the backbone's layers. */
export function addHead(backbone: Model, spec: string, name = 'model'): { model: Model; head: Layer[] } {
  const head = headLayers(spec, new Set(backbone.layers.map((l) => l.name)));
  let x = backbone.outputs[0];
  for (const l of head) x = l.apply(x);
  return { model: new Model({ inputs: backbone.inputs, outputs: x, name }), head };
}
