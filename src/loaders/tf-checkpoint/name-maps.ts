// Checkpoint variable names -> Keras weight names ("block1_conv1/kernel:0").
//
// Schemes (picked per name by `auto`):
// - slim VGG16/19: vgg_16/conv1/conv1_1/weights|biases -> block1_conv1/kernel:0|bias:0;
//   fc6/fc7/fc8 -> fc1/fc2/predictions. TF-slim builds the fully connected layers as convolutions,
//   so their kernels are [7,7,512,4096], [1,1,4096,4096], [1,1,4096,1000]; Keras's Dense kernels are
//   [25088,4096] ... . Flattening a [7,7,512] NHWC map orders features (h, w, c), the same order as
//   the conv kernel's leading axes, so the kernel is reshaped, never transposed.
// - slim InceptionV3: InceptionV3/<scope>/weights -> conv2d_N/kernel:0 and
//   <scope>/BatchNorm/{beta,moving_mean,moving_variance} -> batch_normalization_N/... (slim's
//   Inception BatchNorm has scale=False, as Keras's conv2d_bn has). N counts convolutions in the
//   order keras.applications.inception_v3 creates them (listed below); mapCheckpointToModel rebinds
//   N to the model's own Conv2D/BatchNormalization names in creation order. Logits/Conv2d_1c_1x1
//   -> predictions (1001 classes with background class 0; dropped when the model has 1000).
//   AuxLogits have no Keras counterpart and are ignored.
// - TF2 object keys: layer_with_weights-N/kernel/.ATTRIBUTES/VARIABLE_VALUE -> the N-th layer with
//   weights of the model (nested models followed), layer-N/... -> the N-th layer,
//   trainable_variables/N -> the N-th trainable weight; else the object graph's full_name.
// - Keras names (dense_1/kernel, dense_1/kernel:0) pass through.
// Optimizer slots, step counters and metrics are not model variables and are ignored.
import type { Layer } from '../../graph/layer.ts';
import type { Model } from '../../graph/model.ts';
import type { ObjectAttribute } from './object-graph.ts';

export type Scheme = 'auto' | 'keras' | 'slim-vgg' | 'slim-inception_v3' | 'tf2';

/** Checkpoint entries that are training state, not model variables. */
const NON_MODEL = [
  /^_CHECKPOINTABLE_OBJECT_GRAPH$/,
  /\/\.OPTIMIZER_SLOT\//,
  /^optimizer(\/|$)/,
  /^save_counter(\/|$)/,
  /^keras_api\/metrics\//,
  /(^|\/)global_step$/,
  /(^|\/)(beta1_power|beta2_power)$/,
  /\/(Momentum|RMSProp|RMSProp_1|Adam|Adam_1|Adagrad|Ftrl|Ftrl_1|ExponentialMovingAverage)$/,
  /^InceptionV3\/AuxLogits\//,
];
export const isNonModelVariable = (name: string): boolean => NON_MODEL.some((r) => r.test(name));

// ---- VGG ----
const SLIM_VGG = /^vgg_(16|19)\/(?:conv(\d)\/conv\d_(\d)|(fc6|fc7|fc8))\/(weights|biases)$/;
const VGG_FC: Record<string, string> = { fc6: 'fc1', fc7: 'fc2', fc8: 'predictions' };

export function slimVggToKeras(name: string): string | undefined {
  const m = SLIM_VGG.exec(name);
  if (!m) return undefined;
  const layer = m[4] ? VGG_FC[m[4]] : `block${m[2]}_conv${m[3]}`;
  return `${layer}/${m[5] === 'weights' ? 'kernel' : 'bias'}:0`;
}

export function kerasToSlimVgg(name: string, depth: 16 | 19 = 16): string | undefined {
  const m = /^(?:block(\d)_conv(\d)|(fc1|fc2|predictions))\/(kernel|bias)(?::0)?$/.exec(name);
  if (!m) return undefined;
  const fc = { fc1: 'fc6', fc2: 'fc7', predictions: 'fc8' } as Record<string, string>;
  const scope = m[3] ? fc[m[3]] : `conv${m[1]}/conv${m[1]}_${m[2]}`;
  return `vgg_${depth}/${scope}/${m[4] === 'kernel' ? 'weights' : 'biases'}`;
}

// ---- InceptionV3 ----
/** slim scopes of InceptionV3's 94 conv+BN units, in keras.applications creation order. */
export const SLIM_INCEPTION_V3_SCOPES: string[] = (() => {
  const s = ['Conv2d_1a_3x3', 'Conv2d_2a_3x3', 'Conv2d_2b_3x3', 'Conv2d_3b_1x1', 'Conv2d_4a_3x3'];
  const m5 = (b: string, b1: [string, string]) => [
    `${b}/Branch_0/Conv2d_0a_1x1`, `${b}/Branch_1/${b1[0]}`, `${b}/Branch_1/${b1[1]}`,
    `${b}/Branch_2/Conv2d_0a_1x1`, `${b}/Branch_2/Conv2d_0b_3x3`, `${b}/Branch_2/Conv2d_0c_3x3`, `${b}/Branch_3/Conv2d_0b_1x1`,
  ];
  s.push(...m5('Mixed_5b', ['Conv2d_0a_1x1', 'Conv2d_0b_5x5']));
  s.push(...m5('Mixed_5c', ['Conv2d_0b_1x1', 'Conv_1_0c_5x5']));
  s.push(...m5('Mixed_5d', ['Conv2d_0a_1x1', 'Conv2d_0b_5x5']));
  s.push('Mixed_6a/Branch_0/Conv2d_1a_1x1', 'Mixed_6a/Branch_1/Conv2d_0a_1x1', 'Mixed_6a/Branch_1/Conv2d_0b_3x3', 'Mixed_6a/Branch_1/Conv2d_1a_1x1');
  for (const b of ['Mixed_6b', 'Mixed_6c', 'Mixed_6d', 'Mixed_6e']) {
    s.push(
      `${b}/Branch_0/Conv2d_0a_1x1`,
      `${b}/Branch_1/Conv2d_0a_1x1`, `${b}/Branch_1/Conv2d_0b_1x7`, `${b}/Branch_1/Conv2d_0c_7x1`,
      `${b}/Branch_2/Conv2d_0a_1x1`, `${b}/Branch_2/Conv2d_0b_7x1`, `${b}/Branch_2/Conv2d_0c_1x7`, `${b}/Branch_2/Conv2d_0d_7x1`, `${b}/Branch_2/Conv2d_0e_1x7`,
      `${b}/Branch_3/Conv2d_0b_1x1`,
    );
  }
  s.push(
    'Mixed_7a/Branch_0/Conv2d_0a_1x1', 'Mixed_7a/Branch_0/Conv2d_1a_3x3',
    'Mixed_7a/Branch_1/Conv2d_0a_1x1', 'Mixed_7a/Branch_1/Conv2d_0b_1x7', 'Mixed_7a/Branch_1/Conv2d_0c_7x1', 'Mixed_7a/Branch_1/Conv2d_1a_3x3',
  );
  for (const [b, b1c] of [['Mixed_7b', 'Conv2d_0b_3x1'], ['Mixed_7c', 'Conv2d_0c_3x1']]) {
    s.push(
      `${b}/Branch_0/Conv2d_0a_1x1`,
      `${b}/Branch_1/Conv2d_0a_1x1`, `${b}/Branch_1/Conv2d_0b_1x3`, `${b}/Branch_1/${b1c}`,
      `${b}/Branch_2/Conv2d_0a_1x1`, `${b}/Branch_2/Conv2d_0b_3x3`, `${b}/Branch_2/Conv2d_0c_1x3`, `${b}/Branch_2/Conv2d_0d_3x1`,
      `${b}/Branch_3/Conv2d_0b_1x1`,
    );
  }
  return s;
})();
const INCEPTION_INDEX = new Map(SLIM_INCEPTION_V3_SCOPES.map((s, i) => [s, i + 1]));
const BN_PARAMS: Record<string, string> = { beta: 'beta', gamma: 'gamma', moving_mean: 'moving_mean', moving_variance: 'moving_variance' };

export function slimInceptionV3ToKeras(name: string): string | undefined {
  if (!name.startsWith('InceptionV3/')) return undefined;
  const rest = name.slice('InceptionV3/'.length);
  const lg = /^Logits\/Conv2d_1c_1x1\/(weights|biases)$/.exec(rest);
  if (lg) return `predictions/${lg[1] === 'weights' ? 'kernel' : 'bias'}:0`;
  let m = /^(.*)\/weights$/.exec(rest);
  if (m && INCEPTION_INDEX.has(m[1])) return `conv2d_${INCEPTION_INDEX.get(m[1])}/kernel:0`;
  m = /^(.*)\/BatchNorm\/(beta|gamma|moving_mean|moving_variance)$/.exec(rest);
  if (m && INCEPTION_INDEX.has(m[1])) return `batch_normalization_${INCEPTION_INDEX.get(m[1])}/${BN_PARAMS[m[2]]}:0`;
  return undefined;
}

export function kerasToSlimInceptionV3(name: string): string | undefined {
  let m = /^conv2d_(\d+)\/kernel(?::0)?$/.exec(name);
  if (m) return SLIM_INCEPTION_V3_SCOPES[+m[1] - 1] && `InceptionV3/${SLIM_INCEPTION_V3_SCOPES[+m[1] - 1]}/weights`;
  m = /^batch_normalization_(\d+)\/(beta|gamma|moving_mean|moving_variance)(?::0)?$/.exec(name);
  if (m) return SLIM_INCEPTION_V3_SCOPES[+m[1] - 1] && `InceptionV3/${SLIM_INCEPTION_V3_SCOPES[+m[1] - 1]}/BatchNorm/${m[2]}`;
  m = /^predictions\/(kernel|bias)(?::0)?$/.exec(name);
  if (m) return `InceptionV3/Logits/Conv2d_1c_1x1/${m[1] === 'kernel' ? 'weights' : 'biases'}`;
  return undefined;
}

// ---- TF2 object keys ----
const OBJ_SUFFIX = '/.ATTRIBUTES/VARIABLE_VALUE';
const shortWeightName = (n: string) => n.replace(/:\d+$/, '').split('/').pop()!;
const subLayers = (l: Layer): Layer[] | undefined => (l as Model).layers;

/** Resolves an object key against the model's structure; undefined if it does not apply. */
export function tf2KeyToKeras(key: string, model: Model | undefined, graph?: Map<string, ObjectAttribute>): string | undefined {
  if (!key.endsWith(OBJ_SUFFIX)) return undefined;
  const path = key.slice(0, -OBJ_SUFFIX.length).split('/');
  if (model) {
    if ((path[0] === 'trainable_variables' || path[0] === 'variables') && path.length === 2 && /^\d+$/.test(path[1])) {
      const list = path[0] === 'variables' ? model.weights : model.trainableWeights;
      const v = list[+path[1]];
      if (v) return v.name;
    }
    let cur: Layer = model;
    let i = 0;
    for (; i < path.length - 1; i++) {
      const m = /^(layer_with_weights|layer)-(\d+)$/.exec(path[i]);
      const layers = subLayers(cur);
      if (!m || !layers) break;
      const pool = m[1] === 'layer' ? layers : layers.filter((l) => l.weights.length > 0);
      const next = pool[+m[2]];
      if (!next) break;
      cur = next;
    }
    if (i === path.length - 1 && cur !== model) {
      const v = cur.weights.find((w) => shortWeightName(w.name) === path[i]);
      if (v) return v.name;
    }
  }
  const full = graph?.get(key)?.fullName;
  if (full) return /:\d+$/.test(full) ? full : `${full}:0`;
  return undefined;
}

/** Maps one checkpoint name with `scheme`; undefined when the scheme does not recognise it. */
export function mapName(name: string, scheme: Scheme, model?: Model, graph?: Map<string, ObjectAttribute>): string | undefined {
  switch (scheme) {
    case 'keras':
      return name;
    case 'slim-vgg':
      return slimVggToKeras(name);
    case 'slim-inception_v3':
      return slimInceptionV3ToKeras(name);
    case 'tf2':
      return tf2KeyToKeras(name, model, graph);
    case 'auto':
      return slimVggToKeras(name) ?? slimInceptionV3ToKeras(name) ?? tf2KeyToKeras(name, model, graph) ?? name;
  }
}

/** A user rule: a regex (or exact string) and its replacement ($1 ...), or null to drop the name. */
export type NameRule = [RegExp | string, string | null];

export function applyRules(name: string, rules: NameRule[]): string | null {
  let n: string | null = name;
  for (const [pat, rep] of rules) {
    if (n === null) break;
    const re = typeof pat === 'string' ? new RegExp(`^${pat.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) : pat;
    if (re.test(n)) n = rep === null ? null : n.replace(re, rep);
  }
  return n;
}

/** Parses a CLI rule 'PATTERN=REPLACEMENT' (regex, $1 ... allowed); 'PATTERN=' drops the names. */
export function parseNameRule(spec: string): NameRule {
  const at = spec.lastIndexOf('=');
  if (at <= 0) throw new Error(`name rule '${spec}': expected PATTERN=REPLACEMENT`);
  const rep = spec.slice(at + 1);
  let re: RegExp;
  try {
    re = new RegExp(`^(?:${spec.slice(0, at)})$`);
  } catch (e) {
    throw new Error(`name rule '${spec}': ${(e as Error).message}`);
  }
  return [re, rep === '' ? null : rep];
}

/** An exclusion: a scope string (the name or anything under it) or a regex. */
export function isExcluded(name: string, exclude: (string | RegExp)[]): boolean {
  return exclude.some((e) => (typeof e === 'string' ? name === e || name.startsWith(e.endsWith('/') ? e : `${e}/`) || name === `${e}:0` : e.test(name)));
}
