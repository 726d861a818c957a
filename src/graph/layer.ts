// Layer: a Keras layer with a name, a class name, weights in Keras order, a trainable flag, and
// `call` on GPU tensors. Shapes exclude the batch axis (Keras's [None, ...] without the None).
// Layers are also applied to SymbolicTensors to build a functional graph (see model.ts).
import type { Tensor, Variable, Shape } from './tensor.ts';
import { Variable as VariableClass } from './tensor.ts';
import { SymbolicTensor, type InboundCall } from './symbolic.ts';
import type { Initializer } from './initializers.ts';

export interface CallContext {
  /** Training mode: dropout active, trainable BatchNormalization uses batch statistics. */
  training: boolean;
}

/** Keras config dictionary, as stored in `model_config` (snake_case keys). */
export type KerasConfig = Record<string, unknown>;

export interface LayerArgs {
  name?: string;
  trainable?: boolean;
}

const nameCounters = new Map<string, number>();
/** Keras's default names: conv2d, conv2d_1, conv2d_2, ... */
export function uniqueName(base: string): string {
  const n = nameCounters.get(base) ?? 0;
  nameCounters.set(base, n + 1);
  return n === 0 ? base : `${base}_${n}`;
}

export function snakeCase(s: string): string {
  return s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/([A-Z])([A-Z][a-z])/g, '$1_$2').toLowerCase();
}

export interface WeightSpec {
  variable: Variable;
  /** False for statistics that never train (BatchNormalization moving mean/variance). */
  trainable: boolean;
}

export abstract class Layer {
  name: string;
  /** Keras class name, e.g. "Conv2D". */
  abstract readonly className: string;
  protected _trainable: boolean;
  protected weightSpecs: WeightSpec[] = [];
  built = false;
  /** The calls of this layer in a functional graph (Keras's inbound nodes). */
  inboundCalls: InboundCall[] = [];
  /** Output shapes of each call, without batch. */
  outputShapes: Shape[] = [];

  constructor(args: LayerArgs = {}, defaultBase?: string) {
    this.name = args.name ?? uniqueName(defaultBase ?? snakeCase(new.target.name));
    this._trainable = args.trainable ?? true;
  }

  /** Output shape(s) for input shape(s), batch excluded. */
  abstract computeOutputShape(inputShapes: Shape[]): Shape;

  /** Creates the weights for these input shapes. Layers without weights keep the default. */
  build(_inputShapes: Shape[]): void {
    this.built = true;
  }

  /** Runs the layer on GPU tensors (batch first). Records on the tape where weights train. */
  abstract call(inputs: Tensor[], ctx: CallContext): Tensor;

  /** Keras config for `model_config` (snake_case), without name/trainable which are added. */
  protected abstract kerasConfig(): KerasConfig;

  getConfig(): KerasConfig {
    return { name: this.name, trainable: this.trainable, ...this.kerasConfig() };
  }

  get trainable(): boolean {
    return this._trainable;
  }
  set trainable(value: boolean) {
    this._trainable = value;
    for (const w of this.weightSpecs) w.variable.trainable = value && w.trainable;
  }

  /** All weights in Keras order (the order of `weight_names` in an H5 file). */
  get weights(): Variable[] {
    return this.weightSpecs.map((w) => w.variable);
  }
  get trainableWeights(): Variable[] {
    return this._trainable ? this.weightSpecs.filter((w) => w.trainable).map((w) => w.variable) : [];
  }
  get nonTrainableWeights(): Variable[] {
    return this.weightSpecs.filter((w) => !this._trainable || !w.trainable).map((w) => w.variable);
  }
  countParams(): number {
    return this.weightSpecs.reduce((s, w) => s + w.variable.size, 0);
  }

  /** Creates a weight named `<layer>/<name>:0` with a seeded initializer. */
  protected addWeight(name: string, shape: Shape, init: Initializer, trainable = true): Variable {
    const v = VariableClass.create(init(shape), shape, `${this.name}/${name}:0`, this._trainable && trainable);
    this.weightSpecs.push({ variable: v, trainable });
    return v;
  }

  /** Applies the layer to symbolic inputs, adding a call to the graph being built. */
  apply(inputs: SymbolicTensor | SymbolicTensor[]): SymbolicTensor {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    const shapes = list.map((s) => s.shape);
    if (!this.built) this.build(shapes);
    this.built = true;
    const shape = this.computeOutputShape(shapes);
    this.inboundCalls.push({ inputs: list });
    this.outputShapes.push(shape);
    return new SymbolicTensor(shape, this, this.inboundCalls.length - 1);
  }

  /** Frees the weights' GPU buffers. */
  dispose(): void {
    for (const w of this.weightSpecs) {
      w.variable.zeroGrad();
      w.variable.dispose();
    }
  }
}
