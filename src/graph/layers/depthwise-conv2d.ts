// Keras DepthwiseConv2D: each input channel convolved with its own `depth_multiplier` filters,
// kernel [kh, kw, in, depth_multiplier] as stored; output channel c*M + m.
import { depthwiseConv2d } from '../ops/conv.ts';
import type { KerasConfig } from '../layer.ts';
import { glorotUniform, initializerFrom, zeros, type Initializer } from '../initializers.ts';
import type { Shape, Tensor, Variable } from '../tensor.ts';
import { ConvBase, convArgsFromKeras, GLOROT, ZEROS, type ConvBaseArgs } from './conv-base.ts';

export interface DepthwiseConv2DArgs extends ConvBaseArgs {
  depthMultiplier?: number;
  depthwiseInitializer?: Initializer;
  biasInitializer?: Initializer;
}

export class DepthwiseConv2D extends ConvBase {
  readonly className = 'DepthwiseConv2D';
  readonly depthMultiplier: number;
  depthwiseKernel!: Variable;
  bias: Variable | null = null;
  private kernelInit: Initializer;
  private biasInit: Initializer;

  constructor(args: DepthwiseConv2DArgs) {
    super(args, 'depthwise_conv2d');
    this.depthMultiplier = args.depthMultiplier ?? 1;
    if (!Number.isInteger(this.depthMultiplier) || this.depthMultiplier < 1) throw new Error(`${this.what}: depth_multiplier must be a positive integer`);
    this.kernelInit = args.depthwiseInitializer ?? glorotUniform;
    this.biasInit = args.biasInitializer ?? zeros;
  }

  static fromKeras(c: KerasConfig): DepthwiseConv2D {
    return new DepthwiseConv2D({
      ...convArgsFromKeras(c),
      depthMultiplier: (c.depth_multiplier ?? 1) as number,
      depthwiseInitializer: initializerFrom(c.depthwise_initializer ?? c.init),
      biasInitializer: initializerFrom(c.bias_initializer, zeros),
    });
  }

  build([shape]: Shape[]): void {
    const [, , c] = this.hwc(shape);
    this.depthwiseKernel = this.addWeight('depthwise_kernel', [this.kernelSize[0], this.kernelSize[1], c, this.depthMultiplier], this.kernelInit);
    if (this.useBias) this.bias = this.addWeight('bias', [c * this.depthMultiplier], this.biasInit);
    this.built = true;
  }

  computeOutputShape([shape]: Shape[]): Shape {
    const [h, w, c] = this.hwc(shape);
    const [oh, ow] = this.convOutput(h, w, c);
    return this.fromHwc(oh, ow, c * this.depthMultiplier);
  }

  protected convolve(x: Tensor, activation: string): Tensor {
    return depthwiseConv2d(x, this.depthwiseKernel, this.bias, { ...this.convOptions, activation });
  }

  protected kerasConfig(): KerasConfig {
    return {
      ...this.baseConfig(),
      depth_multiplier: this.depthMultiplier,
      depthwise_initializer: GLOROT,
      bias_initializer: ZEROS,
      depthwise_regularizer: null,
      bias_regularizer: null,
      activity_regularizer: null,
      depthwise_constraint: null,
      bias_constraint: null,
    };
  }
}
