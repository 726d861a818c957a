// Keras Dense: y = activation(x · kernel + bias), kernel [in, out]. Inputs of rank > 2 are
// applied on the last axis, as Keras does.
import { FUSABLE } from '../ops/activation.ts';
import { dense } from '../ops/dense.ts';
import { reshape } from '../ops/shape.ts';
import { Layer, type CallContext, type KerasConfig, type LayerArgs } from '../layer.ts';
import { glorotUniform, initializerFrom, zeros, type Initializer } from '../initializers.ts';
import { activationName, activationConfig, applyActivation } from './activation.ts';
import { shapeStr, type Shape, type Tensor, type Variable } from '../tensor.ts';

export interface DenseArgs extends LayerArgs {
  units: number;
  activation?: string;
  useBias?: boolean;
  kernelInitializer?: Initializer;
  biasInitializer?: Initializer;
}

export class Dense extends Layer {
  readonly className = 'Dense';
  readonly units: number;
  readonly activation: string;
  readonly useBias: boolean;
  kernel!: Variable;
  bias: Variable | null = null;
  private kernelInit: Initializer;
  private biasInit: Initializer;

  constructor(args: DenseArgs) {
    super(args, 'dense');
    this.units = args.units;
    this.activation = activationName(args.activation ?? 'linear');
    this.useBias = args.useBias ?? true;
    this.kernelInit = args.kernelInitializer ?? glorotUniform;
    this.biasInit = args.biasInitializer ?? zeros;
  }

  static fromKeras(c: KerasConfig): Dense {
    return new Dense({
      name: c.name as string,
      trainable: c.trainable as boolean | undefined,
      units: (c.units ?? c.output_dim) as number,
      activation: (c.activation as string) ?? 'linear',
      useBias: (c.use_bias ?? c.bias ?? true) as boolean,
      kernelInitializer: initializerFrom(c.kernel_initializer ?? c.init),
      biasInitializer: initializerFrom(c.bias_initializer, zeros),
    });
  }

  build([shape]: Shape[]): void {
    const inFeatures = shape[shape.length - 1];
    this.kernel = this.addWeight('kernel', [inFeatures, this.units], this.kernelInit);
    if (this.useBias) this.bias = this.addWeight('bias', [this.units], this.biasInit);
    this.built = true;
  }

  computeOutputShape([shape]: Shape[]): Shape {
    return [...shape.slice(0, -1), this.units];
  }

  call([x]: Tensor[], _ctx: CallContext): Tensor {
    const inFeatures = this.kernel.shape[0];
    if (x.shape[x.rank - 1] !== inFeatures) {
      throw new Error(`layer ${this.name} (Dense): expects ${inFeatures} input features, got ${shapeStr(x.shape)}`);
    }
    // Reshapes go through the tape so gradients reach what comes before.
    const x2 = x.rank === 2 ? x : reshape(x, [x.size / inFeatures, inFeatures]);
    const fused = FUSABLE.has(this.activation);
    let y = dense(x2, this.kernel, this.bias, fused ? this.activation : 'linear');
    if (!fused) y = applyActivation(y, this.activation);
    return x.rank === 2 ? y : reshape(y, [...x.shape.slice(0, -1), this.units], true);
  }

  protected kerasConfig(): KerasConfig {
    return {
      units: this.units,
      activation: activationConfig(this.activation),
      use_bias: this.useBias,
      kernel_initializer: { class_name: 'GlorotUniform', config: { seed: null } },
      bias_initializer: { class_name: 'Zeros', config: {} },
      kernel_regularizer: null,
      bias_regularizer: null,
      activity_regularizer: null,
      kernel_constraint: null,
      bias_constraint: null,
    };
  }
}
