// MXNet symbol graphs (`-symbol.json`, `HybridBlock.export`, Module checkpoints) -> our Model.
// MXNet is NCHW; our engine is NHWC, so channel attributes (BatchNorm axis 1, Concat dim 1,
// softmax channel mode) become the last axis, explicit symmetric padding becomes ZeroPadding2D +
// a valid convolution, and Flatten of a feature map transposes to NCHW first (MxnetFlatten).
// Layers are built from Keras configs through LAYER_CLASSES, named after the MXNet nodes; the
// parameters load through the symbol's own wiring (the null nodes each op takes), not by guessing.
import type { NamedTensors, HostTensor } from '../named-tensors.ts';
import { Input, Model } from '../../graph/model.ts';
import type { Layer, KerasConfig } from '../../graph/layer.ts';
import type { SymbolicTensor } from '../../graph/symbolic.ts';
import { LAYER_CLASSES } from '../../graph/layers/registry.ts';
import { MxnetScalar, MX_SCALAR_OPS } from '../../graph/layers/mxnet-scalar.ts';
import { MxnetFlatten } from '../../graph/layers/mxnet-flatten.ts';
import { MxnetPooling } from '../../graph/layers/mxnet-pooling.ts';
import { loadWeights, type LoadOptions, type LoadReport } from '../../graph/load-weights.ts';
import { kerasWeightName, toKerasLayout } from './names.ts';

export interface MxNode {
  op: string;
  name: string;
  attrs: Record<string, string>;
  inputs: number[][];
}
export interface MxSymbol {
  nodes: MxNode[];
  heads: number[][];
  /** mxnet_version from the file's attrs, when given. */
  version?: number;
}

export function parseSymbol(text: string, file = 'symbol.json'): MxSymbol {
  let j: { nodes?: unknown[]; heads?: number[][]; attrs?: { mxnet_version?: [string, number] } };
  try {
    j = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not a JSON symbol file (${(e as Error).message})`);
  }
  if (!j || !Array.isArray(j.nodes) || !Array.isArray(j.heads)) throw new Error(`${file}: not an MXNet symbol file (no "nodes"/"heads")`);
  const nodes = j.nodes.map((n, i) => {
    const o = n as { op?: string; name?: string; attrs?: Record<string, string>; attr?: Record<string, string>; param?: Record<string, string>; inputs?: number[][] };
    if (typeof o.op !== 'string' || typeof o.name !== 'string' || !Array.isArray(o.inputs)) throw new Error(`${file}: node ${i} is malformed`);
    for (const inp of o.inputs) {
      if (!Array.isArray(inp) || !(inp[0] >= 0 && inp[0] < i)) throw new Error(`${file}: node ${i} (${o.name}) has an invalid input ${JSON.stringify(inp)}`);
    }
    return { op: o.op, name: o.name, attrs: { ...(o.param ?? {}), ...(o.attr ?? {}), ...(o.attrs ?? {}) }, inputs: o.inputs };
  });
  for (const h of j.heads) if (!(h[0] >= 0 && h[0] < nodes.length)) throw new Error(`${file}: invalid head ${JSON.stringify(h)}`);
  return { nodes, heads: j.heads, version: j.attrs?.mxnet_version?.[1] };
}

// ---- attribute parsing with MXNet's defaults ----
const tuple = (s: string | undefined, def: number[]): number[] => {
  if (s === undefined || s === 'None' || s === '()') return def;
  const v = s.replace(/[()[\]\s]/g, '').split(',').filter((x) => x !== '').map((x) => (x === 'None' ? NaN : Number(x)));
  return v.length === 1 && def.length === 2 ? [v[0], v[0]] : v;
};
const bool = (s: string | undefined, def: boolean): boolean => (s === undefined ? def : s === 'True' || s === 'true' || s === '1');
const num = (s: string | undefined, def: number): number => (s === undefined || s === 'None' ? def : Number(s));

/** Ops whose second input is a label (ignored at inference). */
const OUTPUT_OPS = new Set(['SoftmaxOutput', 'Softmax', 'LinearRegressionOutput', 'LogisticRegressionOutput', 'MAERegressionOutput']);
/** Parameter roles, by input position, of ops with weights. */
const PARAM_ROLES: Record<string, string[]> = {
  Convolution: ['weight', 'bias'],
  FullyConnected: ['weight', 'bias'],
  BatchNorm: ['gamma', 'beta', 'running_mean', 'running_var'],
  LeakyReLU: ['gamma'],
};

interface Value {
  t: SymbolicTensor;
  /** MXNet's shape without batch (NCHW order for feature maps). */
  mx: number[];
}

export interface SymbolModel {
  model: Model;
  /** Name of the data input node. */
  inputName: string;
  /** Input shape in MXNet order (NCHW without batch). */
  inputShape: number[];
  /** Output shapes in MXNet order, one per head (NCHW feature maps are NHWC in our tensors). */
  outputShapes: number[][];
  /** Parameter node name -> our variable name (`conv1/kernel`), or null when ignored (gamma under fix_gamma). */
  params: Map<string, string | null>;
  /** Parameter node names that are running statistics (aux states). */
  aux: Set<string>;
  /** Our variable name -> the symbol's `__lr_mult__` where it is not 1 (for the trainer). */
  lrMult: Map<string, number>;
}

export interface SymbolBuildOptions {
  /** Input shape without batch in MXNet order: [C, H, W] for images, [F] for vectors. */
  inputShape: number[];
  /** Name for the model (default: the file name stem). */
  name?: string;
  file?: string;
}

/** Builds our Model from a symbol graph. Unsupported ops are all reported in one error. */
export function buildSymbolModel(sym: MxSymbol, opts: SymbolBuildOptions): SymbolModel {
  const file = opts.file ?? 'symbol';
  const { nodes } = sym;
  // Which null nodes are parameters, data or labels.
  const role = new Map<number, { op: number; role: string }>();
  const labels = new Set<number>();
  nodes.forEach((n, i) => {
    if (n.op === 'null') return;
    n.inputs.forEach(([src], k) => {
      if (nodes[src].op !== 'null' || k === 0) return;
      if (OUTPUT_OPS.has(n.op) && k === 1) labels.add(src);
      else if (PARAM_ROLES[n.op]?.[k - 1]) role.set(src, { op: i, role: PARAM_ROLES[n.op][k - 1] });
    });
  });
  const dataNodes = nodes.map((n, i) => [n, i] as const).filter(([n, i]) => n.op === 'null' && !role.has(i) && !labels.has(i));
  if (dataNodes.length !== 1) {
    throw new Error(`${file}: expected one data input, found ${dataNodes.length ? dataNodes.map(([n]) => n.name).join(', ') : 'none'}`);
  }
  const unsupported = new Map<string, string[]>();
  const refuse = (op: string, why: string) => {
    if (!unsupported.has(op)) unsupported.set(op, []);
    unsupported.get(op)!.push(why);
  };
  const needed = new Set<number>();
  const visit = (i: number) => {
    if (needed.has(i)) return;
    needed.add(i);
    for (const [s] of nodes[i].inputs) visit(s);
  };
  for (const [h] of sym.heads) visit(h);
  const KNOWN = new Set([
    'null', 'Convolution', 'BatchNorm', 'Activation', 'LeakyReLU', 'Pooling', 'FullyConnected', 'elemwise_add', 'broadcast_add', '_Plus', '_plus', 'ElementWiseSum', 'add_n',
    ...MX_SCALAR_OPS, 'Concat', 'concat', 'Flatten', 'flatten', 'Reshape', 'reshape', 'Dropout', 'identity', '_copy', 'BlockGrad', 'SoftmaxOutput', 'Softmax', 'SoftmaxActivation', 'softmax',
    'LinearRegressionOutput', 'LogisticRegressionOutput', 'MAERegressionOutput', 'relu', 'sigmoid', 'tanh',
  ]);
  for (const i of [...needed].sort((p, q) => p - q)) if (!KNOWN.has(nodes[i].op)) refuse(nodes[i].op, nodes[i].name);
  if (unsupported.size) {
    throw new Error(`${file}: unsupported MXNet ops: ${[...unsupported].map(([op, ns]) => `${op} (${ns.slice(0, 3).join(', ')}${ns.length > 3 ? ', ...' : ''})`).join('; ')}`);
  }

  const problems: string[] = [];
  const missingClasses = new Set<string>();
  const make = (cls: string, config: KerasConfig): Layer => {
    const f = LAYER_CLASSES[cls];
    if (!f) {
      missingClasses.add(cls);
      throw new MissingClass();
    }
    return f(config);
  };
  const params = new Map<string, string | null>();
  const aux = new Set<string>();
  const lrMult = new Map<string, number>();
  const values = new Map<number, Value>();
  const [dataNode, dataIndex] = dataNodes[0];
  const inShape = opts.inputShape;
  const nhwc = (mx: number[]) => (mx.length === 3 ? [mx[1], mx[2], mx[0]] : mx);
  const input = Input(nhwc(inShape), dataNode.name);
  values.set(dataIndex, { t: input, mx: [...inShape] });
  const fromNhwc = (s: readonly number[]) => (s.length === 3 ? [s[2], s[0], s[1]] : [...s]);

  const bindParams = (node: MxNode, layer: Layer, skip: Set<string> = new Set()) => {
    node.inputs.slice(1).forEach(([src], k) => {
      const p = nodes[src];
      if (p.op !== 'null') return;
      const r = PARAM_ROLES[node.op]?.[k];
      if (!r) return;
      if (r === 'running_mean' || r === 'running_var') aux.add(p.name);
      if (skip.has(r)) {
        params.set(p.name, null);
        return;
      }
      const w = kerasWeightName(layer.className, r);
      params.set(p.name, w ? `${layer.name}/${w}` : null);
      const lr = num(p.attrs.__lr_mult__ ?? p.attrs.lr_mult, 1);
      if (w && lr !== 1) lrMult.set(`${layer.name}/${w}`, lr);
    });
  };

  const order = [...needed].sort((a, b) => a - b);
  for (const i of order) {
    const node = nodes[i];
    if (node.op === 'null') continue;
    const a = node.attrs;
    const ins = node.inputs.filter(([s]) => !role.has(s) && !labels.has(s)).map(([s, o]) => {
      if (o !== 0 && node.op !== 'BatchNorm') problems.push(`${node.name}: uses output ${o} of ${nodes[s].name}`);
      return values.get(s);
    });
    if (ins.some((v) => !v)) continue; // an earlier problem
    const x = ins[0]!;
    const rank = x.mx.length;
    const apply = (layer: Layer, v: Value = x, mx?: number[]): Value => {
      const t = layer.apply(v.t);
      return { t, mx: mx ?? fromNhwc(t.shape) };
    };
    /** A [C,1,1] value kept as [C] (after a global pool) back to a feature map. */
    const as4d = (v: Value): Value => {
      if (v.mx.length === 3 && v.t.shape.length === 1) return apply(make('Reshape', { name: `${node.name}_reshape`, target_shape: [1, 1, v.mx[0]] }), v, v.mx);
      return v;
    };
    try {
      let out: Value;
      switch (node.op) {
        case 'Convolution': {
          const k = tuple(a.kernel, []);
          if (k.length !== 2) throw new Error(`${node.name}: only 2-D convolutions are supported (kernel ${a.kernel})`);
          if ((a.layout ?? 'NCHW') !== 'NCHW' && a.layout !== 'None') throw new Error(`${node.name}: layout ${a.layout} is not supported`);
          const stride = tuple(a.stride, [1, 1]);
          const dilate = tuple(a.dilate, [1, 1]);
          const pad = tuple(a.pad, [0, 0]);
          const filters = num(a.num_filter, NaN);
          const groups = num(a.num_group, 1);
          const noBias = bool(a.no_bias, false);
          const v = as4d(x);
          const cin = v.mx[0];
          let padding = 'valid';
          let src = v;
          if (pad[0] || pad[1]) {
            const sameOk = stride[0] === 1 && stride[1] === 1 && k.every((kk, j) => kk % 2 === 1 && pad[j] === (dilate[j] * (kk - 1)) / 2);
            if (sameOk) padding = 'same';
            else src = apply(make('ZeroPadding2D', { name: `${node.name}_pad`, padding: [[pad[0], pad[0]], [pad[1], pad[1]]] }), v);
          }
          const common = { kernel_size: k, strides: stride, dilation_rate: dilate, padding, use_bias: !noBias, activation: 'linear', data_format: 'channels_last' };
          let layer: Layer;
          if (groups === 1) layer = make('Conv2D', { name: node.name, filters, ...common });
          else if (groups === cin && filters % cin === 0) layer = make('DepthwiseConv2D', { name: node.name, depth_multiplier: filters / cin, ...common });
          else throw new Error(`${node.name}: grouped convolution (num_group ${groups} of ${cin} channels) is not supported`);
          out = apply(layer, src);
          bindParams(node, layer);
          break;
        }
        case 'BatchNorm': {
          const axis = num(a.axis, 1);
          if (!(axis === 1 || (rank === 1 && axis === -1) || (rank === 3 && axis === -3))) throw new Error(`${node.name}: BatchNorm axis ${axis} is not supported (only the channel axis 1)`);
          const fixGamma = bool(a.fix_gamma, true);
          const layer = make('BatchNormalization', {
            name: node.name,
            axis: -1,
            momentum: num(a.momentum, 0.9),
            epsilon: num(a.eps, 1e-3),
            center: true,
            scale: !fixGamma,
          });
          // use_global_stats: always the moving statistics, as a frozen BatchNormalization runs
          // (its gamma/beta then stay fixed too, unlike MXNet, which still trains them).
          if (bool(a.use_global_stats, false)) layer.trainable = false;
          out = apply(layer, x.t.shape.length === 1 && x.mx.length === 3 ? as4d(x) : x, x.mx);
          bindParams(node, layer, fixGamma ? new Set(['gamma']) : new Set());
          break;
        }
        case 'Activation':
        case 'relu':
        case 'sigmoid':
        case 'tanh': {
          const act = node.op === 'Activation' ? (a.act_type ?? 'relu') : node.op;
          const name = { relu: 'relu', sigmoid: 'sigmoid', tanh: 'tanh', softrelu: 'softplus', softsign: 'softsign' }[act];
          if (!name) throw new Error(`${node.name}: act_type ${act} is not supported`);
          out = apply(make('Activation', { name: node.name, activation: name }), x, x.mx);
          break;
        }
        case 'LeakyReLU': {
          const act = a.act_type ?? 'leaky';
          const slope = num(a.slope, 0.25);
          let layer: Layer;
          if (act === 'leaky') layer = make('LeakyReLU', { name: node.name, alpha: slope });
          else if (act === 'elu') layer = make('ELU', { name: node.name, alpha: slope });
          else if (act === 'rrelu') layer = make('LeakyReLU', { name: node.name, alpha: (num(a.lower_bound, 0.125) + num(a.upper_bound, 0.334)) / 2 });
          else if (act === 'selu') layer = make('Activation', { name: node.name, activation: 'selu' });
          else if (act === 'prelu') layer = make('PReLU', { name: node.name, shared_axes: x.t.shape.length === 3 ? [1, 2] : null });
          else throw new Error(`${node.name}: LeakyReLU act_type ${act} is not supported`);
          out = apply(layer, x, x.mx);
          if (act === 'prelu') bindParams(node, layer);
          break;
        }
        case 'Pooling': {
          const type = a.pool_type ?? 'max';
          const global = bool(a.global_pool, false);
          if (type !== 'max' && type !== 'avg') throw new Error(`${node.name}: pool_type ${type} is not supported`);
          const v = as4d(x);
          if (global) {
            const layer = make(type === 'avg' ? 'GlobalAveragePooling2D' : 'GlobalMaxPooling2D', { name: node.name });
            out = apply(layer, v, [v.mx[0], 1, 1]);
            break;
          }
          const k = tuple(a.kernel, []);
          const stride = tuple(a.stride, [1, 1]);
          const pad = tuple(a.pad, [0, 0]);
          const conv = a.pooling_convention ?? 'valid';
          if (k.length !== 2) throw new Error(`${node.name}: only 2-D pooling is supported (kernel ${a.kernel})`);
          if (conv !== 'valid' && conv !== 'full') throw new Error(`${node.name}: pooling_convention ${conv} is not supported`);
          const includePad = bool(a.count_include_pad, true);
          const [, h, w] = v.mx;
          const full = conv === 'full' && [h, w].some((d, j) => (d + 2 * pad[j] - k[j]) % stride[j] !== 0);
          if (!pad[0] && !pad[1] && !full) {
            out = apply(make(type === 'max' ? 'MaxPooling2D' : 'AveragePooling2D', { name: node.name, pool_size: k, strides: stride, padding: 'valid' }), v);
          } else {
            // Explicit padding or extra `full` windows: MXNet's own geometry.
            const layer = new MxnetPooling({ name: node.name, poolType: type, kernel: [k[0], k[1]], stride: [stride[0], stride[1]], pad: [pad[0], pad[1]], convention: conv, countIncludePad: includePad });
            out = apply(layer, v);
          }
          break;
        }
        case 'Flatten':
        case 'flatten': {
          out = flatten(x, node.name);
          break;
        }
        case 'FullyConnected': {
          const units = num(a.num_hidden, NaN);
          let v = x;
          if (bool(a.flatten, true)) v = flatten(x, `${node.name}_flatten`);
          else if (x.mx.length !== 1) throw new Error(`${node.name}: FullyConnected with flatten=False on a ${x.mx.length + 1}-D input is not supported`);
          const layer = make('Dense', { name: node.name, units, use_bias: !bool(a.no_bias, false), activation: 'linear' });
          out = apply(layer, v, [units]);
          bindParams(node, layer);
          break;
        }
        case 'elemwise_add':
        case 'broadcast_add':
        case '_Plus':
        case '_plus':
        case 'ElementWiseSum':
        case 'add_n': {
          const vs = ins as Value[];
          if (vs.some((u) => u.mx.join() !== x.mx.join())) throw new Error(`${node.name}: adding shapes ${vs.map((u) => `[${u.mx}]`).join(' and ')} (broadcasting) is not supported`);
          const layer = make('Add', { name: node.name });
          const ts = vs.map((u) => (u.t.shape.join() === x.t.shape.join() ? u.t : as4d(u).t));
          out = { t: layer.apply(ts), mx: x.mx };
          break;
        }
        case 'Concat':
        case 'concat': {
          const dim = num(a.dim, 1);
          const vs = ins as Value[];
          if (dim !== 1) throw new Error(`${node.name}: Concat along dim ${dim} is not supported (only channels, dim 1)`);
          const layer = make('Concatenate', { name: node.name, axis: -1 });
          const ts = vs.map((u) => (rank === 3 ? as4d(u).t : u.t));
          const t = layer.apply(ts);
          out = { t, mx: fromNhwc(t.shape) };
          break;
        }
        case 'Reshape':
        case 'reshape': {
          const shape = tuple(a.shape, []);
          // The forms models use to flatten: (0, -1), (-1, C*H*W), or a no-op on vectors.
          const total = x.mx.reduce((p, q) => p * q, 1);
          if (shape.length === 2 && (shape[0] === 0 || shape[0] === -1 || shape[0] === opts.inputShape.length) && (shape[1] === -1 || shape[1] === total)) out = flatten(x, node.name);
          else throw new Error(`${node.name}: Reshape to (${shape}) is not supported (only flattening)`);
          break;
        }
        case 'Dropout': {
          out = apply(make('Dropout', { name: node.name, rate: num(a.p, 0.5) }), x, x.mx);
          break;
        }
        case 'identity':
        case '_copy':
        case 'BlockGrad':
        case 'LinearRegressionOutput':
        case 'MAERegressionOutput': {
          out = x;
          break;
        }
        case 'LogisticRegressionOutput': {
          out = apply(make('Activation', { name: node.name, activation: 'sigmoid' }), x, x.mx);
          break;
        }
        case 'SoftmaxOutput':
        case 'Softmax':
        case 'SoftmaxActivation':
        case 'softmax': {
          // instance mode (SoftmaxOutput without multi_output): over all of C*H*W; channel mode: over C.
          const channel = node.op === 'SoftmaxActivation' ? (a.mode ?? 'instance') === 'channel' : node.op === 'softmax' ? num(a.axis, -1) === 1 || rank === 1 : bool(a.multi_output, false);
          if (node.op === 'softmax' && !channel) throw new Error(`${node.name}: softmax along axis ${a.axis} of an NCHW map is not supported`);
          let v = x;
          if (!channel && v.mx.length === 3 && v.mx[1] * v.mx[2] > 1) v = flatten(v, `${node.name}_flatten`);
          const t = make('Activation', { name: node.name, activation: 'softmax' }).apply(v.t);
          out = { t, mx: v.mx };
          break;
        }
        default: {
          if (MX_SCALAR_OPS.includes(node.op)) {
            const layer = new MxnetScalar(node.op, num(a.scalar, NaN), { name: node.name });
            out = apply(layer, x, x.mx);
            break;
          }
          throw new Error(`${node.name}: op ${node.op} is not supported`);
        }
      }
      values.set(i, out);
    } catch (e) {
      if (!(e instanceof MissingClass)) problems.push((e as Error).message);
    }
  }
  function flatten(v: Value, name: string): Value {
    if (v.mx.length === 1) return v;
    const total = v.mx.reduce((p, q) => p * q, 1);
    if (v.t.shape.length === 1) return { t: v.t, mx: [total] };
    return { t: new MxnetFlatten({ name }).apply(v.t), mx: [total] };
  }
  if (missingClasses.size) problems.push(`layer classes not available in this build: ${[...missingClasses].join(', ')}`);
  if (problems.length) throw new Error(`${file}: cannot build the graph: ${problems.join('; ')}`);
  const heads = sym.heads.map(([h]) => values.get(h)!);
  const model = new Model({ inputs: input, outputs: heads.map((h) => h.t), name: opts.name ?? 'mxnet_symbol' });
  return { model, inputName: dataNode.name, inputShape: [...inShape], outputShapes: heads.map((h) => h.mx), params, aux, lrMult };
}
class MissingClass extends Error {}

/**
 * Loads a parameter file into a model built from its symbol. Every parameter the symbol names must
 * be in the file (as `arg:NAME`, `aux:NAME` or `NAME`); those missing are named in one error.
 */
export function loadSymbolParams(sm: SymbolModel, tensors: NamedTensors, opts: LoadOptions = {}, source = 'MXNet parameters'): LoadReport {
  const file = new Map<string, HostTensor>();
  for (const [k, t] of tensors) file.set((t.name || k).replace(/^(arg|aux):/, ''), t);
  const missing = [...sm.params.keys()].filter((p) => sm.params.get(p) !== null && !file.has(p));
  if (missing.length && !opts.allowMissing) {
    throw new Error(`${source}: the symbol's parameters ${missing.join(', ')} are missing from the file`);
  }
  const layers = new Map<string, Layer>(sm.model.layers.map((l) => [l.name, l]));
  const out: NamedTensors = new Map();
  for (const [name, t] of file) {
    if (!sm.params.has(name)) {
      out.set(t.name, t); // unused
      continue;
    }
    const target = sm.params.get(name);
    if (target === null || target === undefined) continue;
    const slash = target.lastIndexOf('/');
    const layer = layers.get(target.slice(0, slash))!;
    out.set(target, toKerasLayout(layer, target.slice(slash + 1), t));
  }
  return loadWeights(sm.model, out, opts, source);
}

/**
 * The input shape (MXNet order, no batch) a symbol's parameters imply: [C, size, size] when the
 * data first meets a Convolution (C from its weight and num_group), [F] for a FullyConnected.
 */
export function inferInputShape(sym: MxSymbol, tensors: NamedTensors, size = 224): number[] | null {
  const byName = new Map<string, HostTensor>();
  for (const [k, t] of tensors) byName.set((t.name || k).replace(/^(arg|aux):/, ''), t);
  const data = sym.nodes.findIndex((n) => n.op === 'null' && !byName.has(n.name) && !/label$/.test(n.name));
  if (data < 0) return null;
  let cur = data;
  for (let guard = 0; guard < sym.nodes.length; guard++) {
    const next = sym.nodes.findIndex((n) => n.op !== 'null' && n.inputs[0]?.[0] === cur);
    if (next < 0) return null;
    const n = sym.nodes[next];
    const w = n.inputs[1] ? byName.get(sym.nodes[n.inputs[1][0]].name) : undefined;
    if (n.op === 'Convolution' && w) return [w.shape[1] * num(n.attrs.num_group, 1), size, size];
    if (n.op === 'FullyConnected' && w) return [w.shape[1]];
    cur = next;
  }
  return null;
}
