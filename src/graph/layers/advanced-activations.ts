// Keras advanced activations with a parameter: LeakyReLU (alpha), ELU (alpha), ThresholdedReLU
// (theta), PReLU (a learned alpha, shared along shared_axes). ReLU and Softmax have their own files.
import { activation } from '../ops/activation.ts';
import { prelu } from '../ops/relu.ts';
import { Layer, type CallContext, type KerasConfig, type LayerArgs } from '../layer.ts';
import { initializerFrom, zeros, type Initializer } from '../initializers.ts';
import { shapeStr, type Shape, type Tensor, type Variable } from '../tensor.ts';
import { common } from './args.ts';

abstract class Elementwise extends Layer {
  computeOutputShape([s]: Shape[]): Shape {
    return s;
  }
}

/** LeakyReLU, ELU and ThresholdedReLU: a named activation with one scalar parameter. */
abstract class ScalarActivation extends Elementwise {
  protected abstract readonly fn: string;
  protected abstract readonly key: string;
  constructor(
    args: LayerArgs,
    base: string,
    readonly alpha: number,
  ) {
    super(args, base);
  }
  call([x]: Tensor[], _ctx: CallContext): Tensor {
    return activation(x, this.fn, this.alpha);
  }
  protected kerasConfig(): KerasConfig {
    return { [this.key]: this.alpha };
  }
}

export class LeakyReLU extends ScalarActivation {
  readonly className = 'LeakyReLU';
  protected readonly fn = 'leaky_relu';
  protected readonly key = 'alpha';
  constructor(args: LayerArgs & { alpha?: number } = {}) {
    super(args, 'leaky_re_lu', args.alpha ?? 0.3);
  }
  static fromKeras(c: KerasConfig): LeakyReLU {
    return new LeakyReLU({ ...common(c), alpha: (c.alpha ?? c.negative_slope) as number | undefined });
  }
}

export class ELU extends ScalarActivation {
  readonly className = 'ELU';
  protected readonly fn = 'elu';
  protected readonly key = 'alpha';
  constructor(args: LayerArgs & { alpha?: number } = {}) {
    super(args, 'elu', args.alpha ?? 1);
  }
  static fromKeras(c: KerasConfig): ELU {
    return new ELU({ ...common(c), alpha: c.alpha as number | undefined });
  }
}

export class ThresholdedReLU extends ScalarActivation {
  readonly className = 'ThresholdedReLU';
  protected readonly fn = 'thresholded_relu';
  protected readonly key = 'theta';
  constructor(args: LayerArgs & { theta?: number } = {}) {
    super(args, 'thresholded_re_lu', args.theta ?? 1);
  }
  static fromKeras(c: KerasConfig): ThresholdedReLU {
    return new ThresholdedReLU({ ...common(c), theta: c.theta as number | undefined });
  }
}

export interface PReLUArgs extends LayerArgs {
  alphaInitializer?: Initializer;
  /** Axes (counting the batch as 0, as Keras does) along which alpha is shared. */
  sharedAxes?: number[] | null;
}

export class PReLU extends Elementwise {
  readonly className = 'PReLU';
  readonly sharedAxes: number[];
  alpha!: Variable;
  private alphaInit: Initializer;
  constructor(args: PReLUArgs = {}) {
    super(args, 'p_re_lu');
    this.sharedAxes = args.sharedAxes ?? [];
    this.alphaInit = args.alphaInitializer ?? zeros;
  }
  static fromKeras(c: KerasConfig): PReLU {
    const shared = c.shared_axes as number | number[] | null | undefined;
    return new PReLU({
      ...common(c),
      alphaInitializer: initializerFrom(c.alpha_initializer ?? c.init, zeros),
      sharedAxes: shared == null ? null : Array.isArray(shared) ? shared : [shared],
    });
  }
  build([s]: Shape[]): void {
    const shape = s.map((d, i) => (this.sharedAxes.includes(i + 1) ? 1 : d));
    this.alpha = this.addWeight('alpha', shape, this.alphaInit);
    this.built = true;
  }
  call([x]: Tensor[], _ctx: CallContext): Tensor {
    if (x.rank !== this.alpha.rank + 1) throw new Error(`layer ${this.name} (PReLU): built for rank ${this.alpha.rank + 1} inputs, got ${shapeStr(x.shape)}`);
    return prelu(x, this.alpha);
  }
  protected kerasConfig(): KerasConfig {
    return {
      alpha_initializer: { class_name: 'Zeros', config: {} },
      alpha_regularizer: null,
      alpha_constraint: null,
      shared_axes: this.sharedAxes.length ? this.sharedAxes : null,
    };
  }
}
