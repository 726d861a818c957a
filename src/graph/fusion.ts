// Inference fusion in the graph runner: a Conv2D or DepthwiseConv2D followed by a
// BatchNormalization and/or a ReLU/ReLU6 (or a fusable Activation), and optionally preceded by a
// ZeroPadding2D that equals TF's 'same' padding (MobileNet's stride-2 blocks), runs as ONE conv:
//   - the padding becomes the conv's own 'same' padding (valid in every mode);
//   - the BN is folded into the conv's kernel and bias on the GPU (kernels/bn-fold.ts), cached per
//     conv layer and recomputed when any of the weights' versions change (Variable.version);
//   - the activation runs in the conv's epilogue.
// The plan (which chains exist) is structural, made once per node list / wanted outputs / seeds:
// each intermediate of a chain must have the next chain member as its only consumer and must not
// be a wanted output or a seed. Whether a chain may fold its BN is decided per call (cheap flag
// reads), since trainable flags and the training mode change between calls: the BN must use its
// moving statistics (not training, or frozen) and, unless under noGrad, no weight of the conv or
// BN may need a gradient.
// Gradients to the conv's input stay exact (the folded conv is recorded like any conv).
// Without a BN, [pad ->] conv(linear) -> activation is fused in any mode (same backward).
// An Add (2+ inputs) whose only consumer is a ReLU / ReLU6 (ResNet blocks) runs as one add kernel
// with the activation in it, in any mode: its backward dy * act'(y) needs only the output.
import { conv2d, depthwiseConv2d } from './ops/conv.ts';
import { addActivation } from './ops/arith.ts';
import { FUSABLE } from './ops/activation.ts';
import { bnFold } from '../kernels/bn-fold.ts';
import { keep } from './scope.ts';
import { isRecording } from './tape.ts';
import type { CallContext, Layer } from './layer.ts';
import type { GraphNode } from './model.ts';
import type { Tensor, Variable } from './tensor.ts';

const key = (s: { layer: Layer; callIndex: number }): string => `${s.layer.name}#${s.callIndex}`;

interface ConvLike extends Layer {
  className: 'Conv2D' | 'DepthwiseConv2D';
  dataFormat: string;
  activation: string;
  convOptions: { strides: [number, number]; padding: 'same' | 'valid'; dilation: [number, number] };
  kernel?: Variable;
  depthwiseKernel?: Variable;
  bias: Variable | null;
}
interface BnLike extends Layer {
  axis: number;
  epsilon: number;
  gamma: Variable | null;
  beta: Variable | null;
  movingMean: Variable;
  movingVariance: Variable;
}

/** One fused chain: conv, then optionally a BN, then optionally an activation. */
export interface ConvChain {
  kind: 'conv';
  /** A ZeroPadding2D run as the conv's 'same' padding. */
  pad: GraphNode | null;
  conv: GraphNode;
  bn: GraphNode | null;
  act: GraphNode | null;
  /** The activation fused into the epilogue ('linear' when none). */
  activation: string;
  /** Key of the chain's last node, whose value the chain produces. */
  last: string;
  /** The chain's first node, whose inputs the chain reads. */
  first: GraphNode;
}

/** An Add whose only consumer is a ReLU / ReLU6: one add kernel with the activation in it. */
export interface AddChain {
  kind: 'add';
  add: GraphNode;
  act: GraphNode;
  activation: 'relu' | 'relu6';
  last: string;
  first: GraphNode;
}

export type FusedChain = ConvChain | AddChain;

export interface FusionPlan {
  /** Chains by the key of their last node. */
  chains: Map<string, FusedChain>;
  /** Keys of chain members other than the last (not run on their own). */
  inner: Set<string>;
}

/** The activation a ReLU / Activation layer amounts to, if it can run in a conv epilogue. */
function epilogueOf(l: Layer): string | null {
  if (l.className === 'ReLU') {
    const r = l as Layer & { maxValue: number | null; negativeSlope: number; threshold: number };
    if (r.negativeSlope !== 0 || r.threshold !== 0) return null;
    return r.maxValue === null ? 'relu' : r.maxValue === 6 ? 'relu6' : null;
  }
  if (l.className === 'Activation') {
    const a = (l as Layer & { activation: string }).activation;
    return a !== 'linear' && a !== 'leaky_relu' && FUSABLE.has(a) ? a : null;
  }
  return null;
}

const isConv = (l: Layer): l is ConvLike => (l.className === 'Conv2D' || l.className === 'DepthwiseConv2D') && (l as ConvLike).dataFormat === 'channels_last';
const isLastAxisBn = (l: Layer): l is BnLike =>
  l.className === 'BatchNormalization' && ((l as BnLike).axis === -1 || (l as BnLike).axis === 3);

/** [H, W] of a symbolic NHWC value (batch excluded). */
type Sym = GraphNode['inputs'][number];

/** True when padding [t, b, l, r] then a 'valid' conv equals the conv with TF 'same' padding. */
function padIsSame(padNode: GraphNode, conv: ConvLike): boolean {
  const pad = padNode.layer as Layer & { padding: [number, number, number, number]; dataFormat: string };
  const input: Sym | undefined = padNode.inputs[0];
  if (pad.dataFormat !== 'channels_last' || conv.convOptions.padding !== 'valid' || !input || input.shape.length !== 3) return false;
  const { strides, dilation } = conv.convOptions;
  const k = (conv as unknown as { kernelSize: [number, number] }).kernelSize;
  for (const a of [0, 1]) {
    const n = input.shape[a];
    const out = Math.ceil(n / strides[a]);
    const total = Math.max((out - 1) * strides[a] + (k[a] - 1) * dilation[a] + 1 - n, 0);
    const lead = Math.floor(total / 2);
    if (pad.padding[2 * a] !== lead || pad.padding[2 * a + 1] !== total - lead) return false;
  }
  return true;
}

const plans = new WeakMap<readonly GraphNode[], Map<string, FusionPlan>>();

/** The fusion plan of a node list (cached per list, wanted outputs and seeds). */
export function fusionPlan(nodes: readonly GraphNode[], want: readonly string[], seeds: Iterable<string>): FusionPlan {
  const seedKeys = [...seeds];
  const cacheKey = `${want.join(',')}|${seedKeys.join(',')}`;
  let byList = plans.get(nodes);
  if (!byList) plans.set(nodes, (byList = new Map()));
  const hit = byList.get(cacheKey);
  if (hit) return hit;

  const consumers = new Map<string, GraphNode[]>();
  for (const n of nodes) for (const s of n.inputs) {
    const k = key(s);
    if (!consumers.has(k)) consumers.set(k, []);
    consumers.get(k)!.push(n);
  }
  const producer = new Map(nodes.map((n) => [key(n), n]));
  const pinned = new Set([...want, ...seedKeys]);
  /** The single consumer of a node's value, if it may be skipped. */
  const onlyConsumer = (n: GraphNode): GraphNode | null => {
    const k = key(n);
    const c = consumers.get(k);
    if (pinned.has(k) || !c || c.length !== 1 || c[0].inputs.length !== 1) return null;
    return c[0];
  };
  const chains = new Map<string, FusedChain>();
  const inner = new Set<string>();
  for (const conv of nodes) {
    if (pinned.has(key(conv)) || !isConv(conv.layer) || conv.layer.activation !== 'linear') continue;
    let next = onlyConsumer(conv);
    let bn: GraphNode | null = null;
    if (next && isLastAxisBn(next.layer)) {
      bn = next;
      next = onlyConsumer(bn);
    }
    const activation = next ? epilogueOf(next.layer) : null;
    const act = activation && !pinned.has(key(next!)) ? next : null;
    const before = conv.inputs.length === 1 ? producer.get(key(conv.inputs[0])) : undefined;
    const pad = before && before.layer.className === 'ZeroPadding2D' && onlyConsumer(before) === conv && padIsSame(before, conv.layer) ? before : null;
    if (!pad && !bn && !act) continue;
    const members = [pad, conv, bn, act].filter((m): m is GraphNode => m !== null);
    const chain: FusedChain = { kind: 'conv', pad, conv, bn, act, activation: act ? activation! : 'linear', last: key(members[members.length - 1]), first: members[0] };
    chains.set(chain.last, chain);
    for (const m of members.slice(0, -1)) inner.add(key(m));
  }
  for (const add of nodes) {
    if (add.layer.className !== 'Add' || add.inputs.length < 2) continue;
    // The ReLU may be a wanted output (a backbone cut after its last block): the chain makes it.
    const act = onlyConsumer(add);
    const activation = act && !seedKeys.includes(key(act)) ? epilogueOf(act.layer) : null;
    if (activation !== 'relu' && activation !== 'relu6') continue;
    const chain: AddChain = { kind: 'add', add, act: act!, activation, last: key(act!), first: add };
    chains.set(chain.last, chain);
    inner.add(key(add));
  }
  const plan = { chains, inner };
  byList.set(cacheKey, plan);
  return plan;
}

interface Folded {
  bn: Layer;
  sources: Variable[];
  versions: number[];
  kernel: Tensor;
  bias: Tensor;
}
const folded = new WeakMap<Layer, Folded>();

const convKernel = (l: ConvLike): Variable => (l.className === 'Conv2D' ? l.kernel! : l.depthwiseKernel!);

/** The conv's kernel and bias with the BN folded in, from the cache when no weight changed. */
function foldedWeights(conv: ConvLike, bn: BnLike): { kernel: Tensor; bias: Tensor } {
  const sources = [convKernel(conv), conv.bias, bn.gamma, bn.beta, bn.movingMean, bn.movingVariance].filter((v): v is Variable => v !== null);
  const hit = folded.get(conv);
  if (
    hit &&
    hit.bn === bn &&
    hit.sources.length === sources.length &&
    hit.sources.every((v, i) => v === sources[i] && v.version === hit.versions[i] && !v.isDisposed) &&
    !hit.kernel.isDisposed
  ) {
    return hit;
  }
  if (hit) {
    hit.kernel.dispose();
    hit.bias.dispose();
  }
  const f = bnFold(convKernel(conv), conv.bias, { gamma: bn.gamma, beta: bn.beta, mean: bn.movingMean, variance: bn.movingVariance, epsilon: bn.epsilon });
  const entry: Folded = { bn, sources, versions: sources.map((v) => v.version), kernel: keep(f.kernel), bias: keep(f.bias) };
  folded.set(conv, entry);
  return entry;
}

/** Frees the folded weights cached for these layers (Model.dispose). */
export function releaseFolded(layers: Iterable<Layer>): void {
  for (const l of layers) {
    const hit = folded.get(l);
    if (!hit) continue;
    hit.kernel.dispose();
    hit.bias.dispose();
    folded.delete(l);
  }
}

/** True when the chain's BN may be folded in this call. */
function canFold(chain: ConvChain, ctx: CallContext): boolean {
  const conv = chain.conv.layer as ConvLike;
  const bn = chain.bn!.layer as BnLike;
  if (ctx.training && bn.trainable) return false; // batch statistics
  if (!isRecording()) return true; // noGrad (predict, frozen prefix): nothing is recorded
  const weights = [convKernel(conv), conv.bias, bn.gamma, bn.beta];
  return weights.every((w) => !w || !w.requiresGrad);
}

/**
 * Runs a chain on the inputs of its first node; a conv chain falls back to the layers one by one
 * when its BN cannot be folded.
 */
export function runChain(chain: FusedChain, xs: Tensor[], ctx: CallContext): Tensor {
  if (chain.kind === 'add') return addActivation(xs, chain.activation);
  const x = xs[0];
  const conv = chain.conv.layer as ConvLike;
  const op = conv.className === 'Conv2D' ? conv2d : depthwiseConv2d;
  const convOptions = { ...conv.convOptions, ...(chain.pad ? { padding: 'same' as const } : {}) };
  if (chain.bn && !canFold(chain, ctx)) {
    // Unfused: conv, BN, activation, each freeing its input.
    let y = chain.pad ? op(x, convKernel(conv), conv.bias, convOptions) : conv.call([x], ctx);
    for (const m of [chain.bn, chain.act]) {
      if (!m) continue;
      const z = m.layer.call([y], ctx);
      y.dispose();
      y = z;
    }
    return y;
  }
  const opts = { ...convOptions, activation: chain.activation };
  if (!chain.bn) return op(x, convKernel(conv), conv.bias, opts);
  const f = foldedWeights(conv, chain.bn.layer as BnLike);
  return op(x, f.kernel, f.bias, opts);
}

/** The layers a chain stands for, for error messages. */
export const chainName = (c: FusedChain): string => (c.kind === 'add' ? [c.add, c.act] : [c.pad, c.conv, c.bn, c.act]).filter(Boolean).map((n) => n!.layer.name).join('+');
