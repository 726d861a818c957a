// Keras SeparableConv2D (Keras 1: SeparableConvolution2D): a depthwise conv (strides, padding,
// dilation, depth_multiplier) then a 1x1 pointwise conv with bias and activation. Weights in
// Keras order: depthwise_kernel [kh,kw,in,M], pointwise_kernel [1,1,in*M,filters], bias.
import { conv2d, depthwiseConv2d } from '../ops/conv.ts';
import type { KerasConfig } from '../layer.ts';
import { glorotUniform, initializerFrom, zeros, type Initializer } from '../initializers.ts';
import type { Shape, Tensor, Variable } from '../tensor.ts';
import { ConvBase, convArgsFromKeras, GLOROT, ZEROS, type ConvBaseArgs } from './conv-base.ts';

export interface SeparableConv2DArgs extends ConvBaseArgs {
  filters: number;
  depthMultiplier?: number;
  depthwiseInitializer?: Initializer;
  pointwiseInitializer?: Initializer;
  biasInitializer?: Initializer;
}

export class SeparableConv2D extends ConvBase {
  readonly className = 'SeparableConv2D';
  readonly filters: number;
  readonly depthMultiplier: number;
  depthwiseKernel!: Variable;
  pointwiseKernel!: Variable;
  bias: Variable | null = null;
  private inits: [Initializer, Initializer, Initializer];

  constructor(args: SeparableConv2DArgs) {
    super(args, 'separable_conv2d');
    this.filters = args.filters;
    this.depthMultiplier = args.depthMultiplier ?? 1;
    if (!Number.isInteger(this.filters) || this.filters < 1) throw new Error(`${this.what}: filters must be a positive integer, got ${args.filters}`);
    if (!Number.isInteger(this.depthMultiplier) || this.depthMultiplier < 1) throw new Error(`${this.what}: depth_multiplier must be a positive integer`);
    this.inits = [args.depthwiseInitializer ?? glorotUniform, args.pointwiseInitializer ?? glorotUniform, args.biasInitializer ?? zeros];
  }

  static fromKeras(c: KerasConfig): SeparableConv2D {
    return new SeparableConv2D({
      ...convArgsFromKeras(c),
      filters: (c.filters ?? c.nb_filter) as number,
      depthMultiplier: (c.depth_multiplier ?? 1) as number,
      depthwiseInitializer: initializerFrom(c.depthwise_initializer ?? c.init),
      pointwiseInitializer: initializerFrom(c.pointwise_initializer ?? c.init),
      biasInitializer: initializerFrom(c.bias_initializer, zeros),
    });
  }

  build([shape]: Shape[]): void {
    const [, , c] = this.hwc(shape);
    const m = this.depthMultiplier;
    this.depthwiseKernel = this.addWeight('depthwise_kernel', [this.kernelSize[0], this.kernelSize[1], c, m], this.inits[0]);
    this.pointwiseKernel = this.addWeight('pointwise_kernel', [1, 1, c * m, this.filters], this.inits[1]);
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], this.inits[2]);
    this.built = true;
  }

  computeOutputShape([shape]: Shape[]): Shape {
    const [h, w, c] = this.hwc(shape);
    const [oh, ow] = this.convOutput(h, w, c);
    return this.fromHwc(oh, ow, this.filters);
  }

  protected convolve(x: Tensor, activation: string): Tensor {
    const d = depthwiseConv2d(x, this.depthwiseKernel, null, this.convOptions);
    const y = conv2d(d, this.pointwiseKernel, this.bias, { activation });
    d.dispose();
    return y;
  }

  protected kerasConfig(): KerasConfig {
    return {
      filters: this.filters,
      ...this.baseConfig(),
      depth_multiplier: this.depthMultiplier,
      depthwise_initializer: GLOROT,
      pointwise_initializer: GLOROT,
      bias_initializer: ZEROS,
      depthwise_regularizer: null,
      pointwise_regularizer: null,
      bias_regularizer: null,
      activity_regularizer: null,
      depthwise_constraint: null,
      pointwise_constraint: null,
      bias_constraint: null,
    };
  }
}
