// Keras BatchNormalization. Weights in Keras order: gamma (if scale), beta (if center),
// moving_mean, moving_variance (non-trainable). Keras 2.3 / TF2 semantics: batch statistics only
// when the call is in training mode AND the layer is trainable; a frozen layer normalizes with its
// moving statistics (and never updates them) even while the rest of the model trains.
// See src/graph/ops/batchnorm.ts for the variance conventions.
import { batchNorm } from '../ops/batchnorm.ts';
import { initializerFrom, ones, zeros, type Initializer } from '../initializers.ts';
import { Layer, type CallContext, type KerasConfig, type LayerArgs } from '../layer.ts';
import { shapeStr, type Shape, type Tensor, type Variable } from '../tensor.ts';
import { common } from './args.ts';

export interface BatchNormalizationArgs extends LayerArgs {
  /** Channel axis, counting the batch as 0 (Keras); -1 (default) or 1 for channels_first. */
  axis?: number;
  momentum?: number;
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  betaInitializer?: Initializer;
  gammaInitializer?: Initializer;
  movingMeanInitializer?: Initializer;
  movingVarianceInitializer?: Initializer;
}

export class BatchNormalization extends Layer {
  readonly className = 'BatchNormalization';
  axis: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  gamma: Variable | null = null;
  beta: Variable | null = null;
  movingMean!: Variable;
  movingVariance!: Variable;
  private inits: Initializer[];

  constructor(args: BatchNormalizationArgs = {}) {
    super(args, 'batch_normalization');
    this.axis = args.axis ?? -1;
    this.momentum = args.momentum ?? 0.99;
    this.epsilon = args.epsilon ?? 1e-3;
    this.center = args.center ?? true;
    this.scale = args.scale ?? true;
    this.inits = [args.gammaInitializer ?? ones, args.betaInitializer ?? zeros, args.movingMeanInitializer ?? zeros, args.movingVarianceInitializer ?? ones];
  }

  static fromKeras(c: KerasConfig): BatchNormalization {
    let axis = c.axis as number | number[] | undefined;
    if (Array.isArray(axis)) {
      if (axis.length !== 1) throw new Error(`layer ${c.name} (BatchNormalization): only one axis is supported, got ${JSON.stringify(axis)}`);
      axis = axis[0];
    }
    if (c.mode !== undefined && c.mode !== 0) throw new Error(`layer ${c.name} (BatchNormalization): Keras 1 mode ${c.mode} is not supported (only mode 0)`);
    return new BatchNormalization({
      ...common(c),
      axis: axis ?? -1,
      momentum: (c.momentum as number) ?? 0.99,
      epsilon: (c.epsilon as number) ?? 1e-3,
      center: (c.center as boolean) ?? true,
      scale: (c.scale as boolean) ?? true,
      gammaInitializer: initializerFrom(c.gamma_initializer ?? c.gamma_init, ones),
      betaInitializer: initializerFrom(c.beta_initializer ?? c.beta_init, zeros),
      movingMeanInitializer: initializerFrom(c.moving_mean_initializer, zeros),
      movingVarianceInitializer: initializerFrom(c.moving_variance_initializer, ones),
    });
  }

  private channels(s: Shape): number {
    // Shapes exclude the batch; Keras's axis counts it.
    const a = this.axis < 0 ? this.axis + s.length : this.axis - 1;
    if (a < 0 || a >= s.length) throw new Error(`layer ${this.name} (BatchNormalization): axis ${this.axis} out of range for inputs ${shapeStr(s)}`);
    return s[a];
  }

  build([s]: Shape[]): void {
    const c = [this.channels(s)];
    const [gi, bi, mi, vi] = this.inits;
    if (this.scale) this.gamma = this.addWeight('gamma', c, gi);
    if (this.center) this.beta = this.addWeight('beta', c, bi);
    this.movingMean = this.addWeight('moving_mean', c, mi, false);
    this.movingVariance = this.addWeight('moving_variance', c, vi, false);
    this.built = true;
  }

  computeOutputShape([s]: Shape[]): Shape {
    this.channels(s);
    return s;
  }

  call([x]: Tensor[], ctx: CallContext): Tensor {
    const batchStats = ctx.training && this.trainable;
    return batchNorm(x, {
      gamma: this.gamma,
      beta: this.beta,
      movingMean: this.movingMean,
      movingVariance: this.movingVariance,
      axis: this.axis,
      epsilon: this.epsilon,
      momentum: this.momentum,
      batchStats,
      updateMoving: batchStats,
    });
  }

  protected kerasConfig(): KerasConfig {
    const init = (name: string) => ({ class_name: name, config: {} });
    return {
      axis: this.axis,
      momentum: this.momentum,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      beta_initializer: init('Zeros'),
      gamma_initializer: init('Ones'),
      moving_mean_initializer: init('Zeros'),
      moving_variance_initializer: init('Ones'),
      beta_regularizer: null,
      gamma_regularizer: null,
      beta_constraint: null,
      gamma_constraint: null,
    };
  }
}
