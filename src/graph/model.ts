// Model: a Keras functional graph of layer calls (Sequential is the chain special case). It runs
// the calls in topological order, frees each activation once its last consumer has run, and is
// itself a Layer, so models nest (a `vgg16` Model inside a Sequential). `layers` follows Keras's
// own order (Network._init_graph_network), which `layers[:N]` freezing depends on.
import { Layer, type CallContext, type KerasConfig, type LayerArgs } from './layer.ts';
import { SymbolicTensor } from './symbolic.ts';
import { Tensor, shapeStr, type Shape } from './tensor.ts';
import type { Variable } from './tensor.ts';
import { chainName, fusionPlan, releaseFolded, runChain } from './fusion.ts';

/** Keras InputLayer; `Input(shape)` makes one and returns its symbolic output. */
export class InputLayer extends Layer {
  readonly className = 'InputLayer';
  constructor(
    readonly inputShape: Shape,
    args: LayerArgs = {},
  ) {
    super(args, 'input');
    this.built = true;
    this.outputShapes.push(inputShape);
    this.inboundCalls.push({ inputs: [] });
  }
  computeOutputShape(): Shape {
    return this.inputShape;
  }
  call(inputs: Tensor[]): Tensor {
    return inputs[0];
  }
  protected kerasConfig(): KerasConfig {
    return { batch_input_shape: [null, ...this.inputShape], dtype: 'float32', sparse: false };
  }
  get output(): SymbolicTensor {
    return new SymbolicTensor(this.inputShape, this, 0);
  }
}

export function Input(shape: Shape, name?: string): SymbolicTensor {
  return new InputLayer(shape, { name }).output;
}

export interface GraphNode {
  layer: Layer;
  callIndex: number;
  inputs: SymbolicTensor[];
}

/** The key of one call of a layer: `name#callIndex`. */
export const nodeKey = (layer: Layer, callIndex: number): string => `${layer.name}#${callIndex}`;

/**
 * Runs graph calls in order from seeded values (keyed by nodeKey) and returns the `want`ed
 * tensors. Each intermediate is disposed as soon as its last consumer has run; seeds are not.
 */
export function runGraph(
  modelName: string,
  nodes: readonly GraphNode[],
  seeds: Map<string, Tensor>,
  want: string[],
  ctx: CallContext,
  opts: { fusion?: boolean } = {},
): Tensor[] {
  // [pad ->] conv -> BN -> ReLU chains run as one conv, Add -> ReLU as one add (src/graph/fusion.ts); members before the last skip.
  const plan = opts.fusion === false ? null : fusionPlan(nodes, want, seeds.keys());
  const uses = new Map<string, number>();
  for (const n of nodes) for (const s of n.inputs) uses.set(nodeKey(s.layer, s.callIndex), (uses.get(nodeKey(s.layer, s.callIndex)) ?? 0) + 1);
  for (const w of want) uses.set(w, Infinity);
  const values = new Map(seeds);
  const given = new Set(seeds.values());
  for (const n of nodes) {
    const key = nodeKey(n.layer, n.callIndex);
    if (values.has(key) || plan?.inner.has(key)) continue;
    const chain = plan?.chains.get(key);
    const from = chain ? chain.first : n;
    const args = from.inputs.map((s) => {
      const v = values.get(nodeKey(s.layer, s.callIndex));
      if (!v) throw new Error(`model ${modelName}: layer ${n.layer.name} needs ${s.layer.name}, which has not run`);
      return v;
    });
    let out: Tensor;
    try {
      out = chain ? runChain(chain, args, ctx) : n.layer.call(args, ctx);
    } catch (e) {
      const msg = (e as Error).message;
      const name = chain ? chainName(chain) : n.layer.name;
      throw new Error(msg.includes(`layer ${n.layer.name}`) ? msg : `layer ${name} (${n.layer.className}): ${msg}`);
    }
    values.set(key, out);
    for (const s of from.inputs) {
      const k = nodeKey(s.layer, s.callIndex);
      const left = (uses.get(k) ?? 1) - 1;
      uses.set(k, left);
      const v = values.get(k)!;
      if (left === 0 && !given.has(v) && v !== out) {
        v.dispose();
        values.delete(k);
      }
    }
  }
  return want.map((w) => {
    const v = values.get(w);
    if (!v) throw new Error(`model ${modelName}: ${w} was not computed`);
    return v;
  });
}

export interface ModelArgs extends LayerArgs {
  inputs: SymbolicTensor | SymbolicTensor[];
  outputs: SymbolicTensor | SymbolicTensor[];
}

export class Model extends Layer {
  readonly className: string = 'Model';
  readonly inputs: SymbolicTensor[];
  readonly outputs: SymbolicTensor[];
  /** Layers in Keras order. */
  readonly layers: Layer[];
  /** Calls in execution order (inputs first). */
  protected readonly nodes: GraphNode[];
  /** Runs conv -> BN -> ReLU chains as one conv where valid (src/graph/fusion.ts); false to run every layer on its own. */
  fusion = true;

  constructor(args: ModelArgs) {
    super(args, 'model');
    this.inputs = Array.isArray(args.inputs) ? args.inputs : [args.inputs];
    this.outputs = Array.isArray(args.outputs) ? args.outputs : [args.outputs];
    const { nodes, layers } = kerasOrder(this.outputs);
    for (const inp of this.inputs) {
      if (!layers.includes(inp.layer)) throw new Error(`model ${this.name}: input ${inp.layer.name} is not connected to the outputs`);
    }
    for (const n of nodes) {
      if (n.layer instanceof InputLayer && !this.inputs.some((i) => i.layer === n.layer)) {
        throw new Error(`model ${this.name}: the outputs depend on input ${n.layer.name}, which is not among the model's inputs`);
      }
    }
    this.nodes = nodes;
    this.layers = layers;
    this.built = true;
    const names = new Set<string>();
    for (const l of layers) {
      if (names.has(l.name)) throw new Error(`model ${this.name}: two layers are named ${l.name}`);
      names.add(l.name);
    }
  }

  get inputShape(): Shape {
    return this.inputs[0].shape;
  }
  get outputShape(): Shape {
    return this.outputs[0].shape;
  }

  getLayer(nameOrIndex: string | number): Layer {
    if (typeof nameOrIndex === 'number') {
      const l = this.layers[nameOrIndex];
      if (!l) throw new Error(`model ${this.name} has ${this.layers.length} layers, no layer ${nameOrIndex}`);
      return l;
    }
    const l = this.layers.find((x) => x.name === nameOrIndex);
    if (!l) throw new Error(`model ${this.name} has no layer named '${nameOrIndex}'`);
    return l;
  }

  computeOutputShape(inputShapes: Shape[]): Shape {
    inputShapes.forEach((s, i) => {
      const want = this.inputs[i]?.shape;
      if (want && shapeStr(s) !== shapeStr(want)) {
        throw new Error(`model ${this.name}: input ${i} has shape ${shapeStr(s)}, expected ${shapeStr(want)}`);
      }
    });
    return this.outputShape;
  }

  protected kerasConfig(): KerasConfig {
    // Written by the H5 saver (src/loaders/keras/save.ts), which walks `layers` and the graph.
    return {};
  }

  override get trainable(): boolean {
    return this._trainable;
  }
  override set trainable(value: boolean) {
    this._trainable = value;
    for (const l of this.layers ?? []) l.trainable = value;
  }

  override get weights(): Variable[] {
    return this.layers.flatMap((l) => l.weights);
  }
  override get trainableWeights(): Variable[] {
    return this.layers.flatMap((l) => l.trainableWeights);
  }
  override get nonTrainableWeights(): Variable[] {
    return this.layers.flatMap((l) => l.nonTrainableWeights);
  }
  override countParams(): number {
    return this.layers.reduce((s, l) => s + l.countParams(), 0);
  }

  /** The graph's calls in execution order, for savers and inspectors. */
  get graphNodes(): readonly GraphNode[] {
    return this.nodes;
  }

  /** Freezes every layer up to and including `nameOrIndex` (a name, or a count as in layers[:N]). */
  freezeUpTo(nameOrIndex: string | number): void {
    const n = typeof nameOrIndex === 'number' ? nameOrIndex : this.layers.indexOf(this.getLayer(nameOrIndex)) + 1;
    this.layers.forEach((l, i) => (l.trainable = i >= n));
  }

  /** A model from the same inputs to the output of `layerName` (shares the layers and weights). */
  cut(layerName: string): Model {
    const layer = this.getLayer(layerName);
    return new Model({ inputs: this.inputs, outputs: new SymbolicTensor(layer.outputShapes[0], layer, 0), name: this.name });
  }

  call(inputs: Tensor[], ctx: CallContext): Tensor {
    return this.run(inputs, ctx)[0];
  }

  /** Runs the graph; returns one tensor per output. Intermediate activations are disposed. */
  run(inputs: Tensor[], ctx: CallContext, outputs: SymbolicTensor[] = this.outputs): Tensor[] {
    if (inputs.length !== this.inputs.length) {
      throw new Error(`model ${this.name} takes ${this.inputs.length} inputs, got ${inputs.length}`);
    }
    inputs.forEach((t, i) => {
      const want = this.inputs[i].shape;
      const got = t.shape.slice(1);
      if (shapeStr(got) !== shapeStr(want)) {
        throw new Error(`model ${this.name}: input '${this.inputs[i].layer.name}' expects [batch,${want.join(',')}], got ${shapeStr(t.shape)}`);
      }
    });
    const seeds = new Map<string, Tensor>();
    this.inputs.forEach((s, i) => seeds.set(nodeKey(s.layer, s.callIndex), inputs[i]));
    return runGraph(this.name, this.nodes, seeds, outputs.map((o) => nodeKey(o.layer, o.callIndex)), ctx, { fusion: this.fusion });
  }

  override dispose(): void {
    releaseFolded(this.layers);
    for (const l of this.layers) l.dispose();
  }
}

/** Keras 2.2.4's Network ordering: nodes by decreasing depth, layers by depth then discovery. */
function kerasOrder(outputs: SymbolicTensor[]): { nodes: GraphNode[]; layers: Layer[] } {
  const layerIndex = new Map<Layer, number>();
  const finished = new Set<string>();
  const inProgress = new Set<string>();
  const decreasing: GraphNode[] = [];
  const nodeOf = (layer: Layer, callIndex: number): GraphNode => ({
    layer,
    callIndex,
    inputs: layer.inboundCalls[callIndex]?.inputs ?? [],
  });
  const visit = (layer: Layer, callIndex: number) => {
    const key = nodeKey(layer, callIndex);
    if (inProgress.has(key)) throw new Error(`the graph has a cycle at layer ${layer.name}`);
    if (finished.has(key)) return;
    if (!layerIndex.has(layer)) layerIndex.set(layer, layerIndex.size);
    inProgress.add(key);
    const node = nodeOf(layer, callIndex);
    for (const s of node.inputs) visit(s.layer, s.callIndex);
    finished.add(key);
    inProgress.delete(key);
    decreasing.push(node);
  };
  for (const o of outputs) visit(o.layer, o.callIndex);

  const nodeDepth = new Map<string, number>();
  const layerDepth = new Map<Layer, number>();
  for (let i = decreasing.length - 1; i >= 0; i--) {
    const node = decreasing[i];
    const key = nodeKey(node.layer, node.callIndex);
    const depth = Math.max(nodeDepth.get(key) ?? 0, layerDepth.get(node.layer) ?? 0);
    layerDepth.set(node.layer, depth);
    nodeDepth.set(key, depth);
    for (const s of node.inputs) {
      const k = nodeKey(s.layer, s.callIndex);
      nodeDepth.set(k, Math.max(depth + 1, nodeDepth.get(k) ?? 0));
    }
  }
  const byDepth = new Map<number, Layer[]>();
  for (const [layer, d] of layerDepth) {
    if (!byDepth.has(d)) byDepth.set(d, []);
    byDepth.get(d)!.push(layer);
  }
  const layers: Layer[] = [];
  for (const d of [...byDepth.keys()].sort((a, b) => b - a)) {
    layers.push(...byDepth.get(d)!.sort((a, b) => layerIndex.get(a)! - layerIndex.get(b)!));
  }
  const nodes = [...decreasing].sort(
    (a, b) => nodeDepth.get(nodeKey(b.layer, b.callIndex))! - nodeDepth.get(nodeKey(a.layer, a.callIndex))!,
  );
  return { nodes, layers };
}

/** Keras Sequential: a chain of layers; `layers` excludes the implicit InputLayer. */
export class Sequential extends Model {
  override readonly className: string = 'Sequential';
  constructor(layers: Layer[], args: LayerArgs & { inputShape?: Shape } = {}) {
    if (!layers.length) throw new Error('Sequential needs at least one layer');
    let x: SymbolicTensor;
    let rest = layers;
    if (layers[0] instanceof InputLayer) {
      x = (layers[0] as InputLayer).output;
      rest = layers.slice(1);
    } else {
      const shape = args.inputShape ?? (layers[0] as Layer & { inputShape?: Shape }).inputShape;
      if (!shape) throw new Error('Sequential: give inputShape (or start with an InputLayer)');
      x = Input(shape);
    }
    const input = x;
    for (const l of rest) x = l.apply(x);
    super({ inputs: input, outputs: x, name: args.name ?? 'sequential', trainable: args.trainable });
    (this as { layers: Layer[] }).layers = this.layers.filter((l) => !(l instanceof InputLayer));
  }
}
