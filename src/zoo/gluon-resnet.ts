// Gluon model zoo ResNets (mxnet.gluon.model_zoo.vision.resnet): v1 (BasicBlockV1/BottleneckV1,
// post-activation) and v2 (BasicBlockV2/BottleneckV2, pre-activation), 18/34/50, with `features`
// + `output` and Gluon's structural names as our layer names (`features.4.0.body.0`,
// `features.5.0.bn1`, `output`), so `.params` files from `save_parameters` load by name. The legacy
// prefixed names of model-zoo files (`resnetv20_stage1_conv0_weight`) are derived alongside
// (loading: loadGluonParams in src/loaders/mxnet/names.ts).
// Gluon pads explicitly (conv 7x7/2 pad 3, 3x3/2 pad 1, max pool 3/2 pad 1): ZeroPadding2D + valid.
import { Input, Model } from '../graph/model.ts';
import type { KerasConfig, Layer } from '../graph/layer.ts';
import type { SymbolicTensor } from '../graph/symbolic.ts';
import { LAYER_CLASSES } from '../graph/layers/registry.ts';

export const GLUON_RESNETS = ['resnet18_v1', 'resnet34_v1', 'resnet50_v1', 'resnet18_v2', 'resnet34_v2', 'resnet50_v2'] as const;
export type GluonResnetId = (typeof GLUON_RESNETS)[number];

const SPEC: Record<number, { bottleneck: boolean; layers: number[]; channels: number[] }> = {
  18: { bottleneck: false, layers: [2, 2, 2, 2], channels: [64, 64, 128, 256, 512] },
  34: { bottleneck: false, layers: [3, 4, 6, 3], channels: [64, 64, 128, 256, 512] },
  50: { bottleneck: true, layers: [3, 4, 6, 3], channels: [64, 256, 512, 1024, 2048] },
};

export interface GluonResnetOptions {
  classes?: number;
  /** NHWC input without batch (default [224, 224, 3]); any size >= 32 works (global pooling). */
  inputShape?: number[];
  /** Build only `features` (no `output` Dense). */
  includeTop?: boolean;
}

export interface GluonModel {
  model: Model;
  /** Our layer name (structural) -> Gluon legacy parameter prefix (`resnetv10_stage1_conv0`). */
  legacyPrefix: Map<string, string>;
}

export function gluonResnet(id: GluonResnetId | string, opts: GluonResnetOptions = {}): GluonModel {
  const m = /^resnet(18|34|50)_v([12])$/.exec(id);
  if (!m) throw new Error(`unknown Gluon ResNet '${id}' (${GLUON_RESNETS.join(', ')})`);
  const depth = Number(m[1]);
  const version = Number(m[2]);
  const { bottleneck, layers, channels } = SPEC[depth];
  const classes = opts.classes ?? 1000;
  const legacyPrefix = new Map<string, string>();
  const root = `resnetv${version}0_`;
  // Gluon's per-scope name counters (conv0, batchnorm0, dense0 ...), in creation order.
  const counters = new Map<string, number>();
  const legacy = (scope: string, hint: string) => {
    const k = scope + hint;
    const n = counters.get(k) ?? 0;
    counters.set(k, n + 1);
    return `${scope}${hint}${n}`;
  };
  const make = (cls: string, config: KerasConfig, legacyOf?: [string, string]): Layer => {
    const f = LAYER_CLASSES[cls];
    if (!f) throw new Error(`gluon ${id}: layer class ${cls} is not available in this build`);
    const l = f(config);
    if (legacyOf) legacyPrefix.set(l.name, legacy(legacyOf[0], legacyOf[1]));
    return l;
  };
  /** Gluon Conv2D with explicit symmetric padding, no bias unless asked. */
  const conv = (x: SymbolicTensor, name: string, scope: string, filters: number, k: number, stride: number, pad: number, bias = false): SymbolicTensor => {
    let src = x;
    let padding = 'valid';
    if (pad && stride === 1 && pad * 2 === k - 1) padding = 'same';
    else if (pad) src = make('ZeroPadding2D', { name: `${name}_pad`, padding: [[pad, pad], [pad, pad]] }).apply(x);
    return make('Conv2D', { name, filters, kernel_size: [k, k], strides: [stride, stride], padding, use_bias: bias, activation: 'linear' }, [scope, 'conv']).apply(src);
  };
  const bn = (x: SymbolicTensor, name: string, scope: string, affine = true) =>
    make('BatchNormalization', { name, axis: -1, momentum: 0.9, epsilon: 1e-5, center: affine, scale: affine }, [scope, 'batchnorm']).apply(x);
  const relu = (x: SymbolicTensor, name: string) => make('Activation', { name, activation: 'relu' }).apply(x);
  const add = (a: SymbolicTensor, b: SymbolicTensor, name: string) => make('Add', { name }).apply([a, b]);

  const input = Input(opts.inputShape ?? [224, 224, 3], 'data');
  let x = input;
  let f = 0; // index in `features`
  const F = () => `features.${f}`;
  if (version === 2) {
    x = bn(x, F(), root, false);
    f++;
  }
  x = conv(x, F(), root, channels[0], 7, 2, 3);
  f++;
  x = bn(x, F(), root);
  f++;
  x = relu(x, F());
  f++;
  x = make('ZeroPadding2D', { name: `${F()}_pad`, padding: [[1, 1], [1, 1]] }).apply(x); // inputs are >= 0 (after ReLU)
  x = make('MaxPooling2D', { name: F(), pool_size: [3, 3], strides: [2, 2], padding: 'valid' }).apply(x);
  f++;
  let inC = channels[0];
  layers.forEach((count, s) => {
    const stage = F();
    const scope = `${root}stage${s + 1}_`;
    const out = channels[s + 1];
    for (let b = 0; b < count; b++) {
      const stride = b === 0 && s > 0 ? 2 : 1;
      const ds = b === 0 && out !== inC;
      const p = `${stage}.${b}`;
      if (version === 1) {
        let y = x;
        const mid = bottleneck ? out / 4 : out;
        if (bottleneck) {
          y = conv(y, `${p}.body.0`, scope, mid, 1, stride, 0, true);
          y = relu(bn(y, `${p}.body.1`, scope), `${p}.body.2`);
          y = conv(y, `${p}.body.3`, scope, mid, 3, 1, 1);
          y = relu(bn(y, `${p}.body.4`, scope), `${p}.body.5`);
          y = conv(y, `${p}.body.6`, scope, out, 1, 1, 0, true);
          y = bn(y, `${p}.body.7`, scope);
        } else {
          y = conv(y, `${p}.body.0`, scope, out, 3, stride, 1);
          y = relu(bn(y, `${p}.body.1`, scope), `${p}.body.2`);
          y = conv(y, `${p}.body.3`, scope, out, 3, 1, 1);
          y = bn(y, `${p}.body.4`, scope);
        }
        let r = x;
        if (ds) r = bn(conv(x, `${p}.downsample.0`, scope, out, 1, stride, 0), `${p}.downsample.1`, scope);
        x = relu(add(r, y, `${p}.add`), `${p}.relu`);
      } else {
        const mid = bottleneck ? out / 4 : out;
        const pre = relu(bn(x, `${p}.bn1`, scope), `${p}.relu1`);
        let y: SymbolicTensor;
        // Creation order in Gluon's __init__: bn1, conv1, bn2, conv2, (bn3, conv3), downsample.
        if (bottleneck) {
          y = conv(pre, `${p}.conv1`, scope, mid, 1, 1, 0);
          y = relu(bn(y, `${p}.bn2`, scope), `${p}.relu2`);
          y = conv(y, `${p}.conv2`, scope, mid, 3, stride, 1);
          y = relu(bn(y, `${p}.bn3`, scope), `${p}.relu3`);
          y = conv(y, `${p}.conv3`, scope, out, 1, 1, 0);
        } else {
          y = conv(pre, `${p}.conv1`, scope, out, 3, stride, 1);
          y = relu(bn(y, `${p}.bn2`, scope), `${p}.relu2`);
          y = conv(y, `${p}.conv2`, scope, out, 3, 1, 1);
        }
        const r = ds ? conv(pre, `${p}.downsample`, scope, out, 1, stride, 0) : x;
        x = add(y, r, `${p}.add`);
      }
      inC = out;
    }
    f++;
  });
  if (version === 2) {
    x = bn(x, F(), root);
    f++;
    x = relu(x, F());
    f++;
  }
  x = make('GlobalAveragePooling2D', { name: F() }).apply(x);
  f++;
  if (version === 2) f++; // Flatten: a no-op on our [batch, C] output
  if (opts.includeTop ?? true) x = make('Dense', { name: 'output', units: classes, use_bias: true, activation: 'linear' }, [root, 'dense']).apply(x);
  return { model: new Model({ inputs: input, outputs: x, name: id }), legacyPrefix };
}

/** Zoo entries for src/zoo/index.ts's ZOO table (spread them in: `...GLUON_ZOO`). */
export const GLUON_ZOO = Object.fromEntries(
  GLUON_RESNETS.map((id) => [
    id,
    {
      id,
      build: (o: { includeTop?: boolean; inputShape?: readonly number[]; classes?: number } = {}) =>
        gluonResnet(id, { classes: o.classes, inputShape: o.inputShape ? [...o.inputShape] : undefined, includeTop: o.includeTop }).model,
      defaultSize: 224,
      preprocess: 'torch' as const,
      /** The global average pool: the last layer of `features`. */
      lastBackboneLayer: id.endsWith('_v1') ? 'features.8' : 'features.11',
    },
  ]),
);
