// Keras Conv2D (Keras 1: Convolution2D): y = activation(conv(x, kernel) + bias), kernel HWIO
// [kh, kw, in, filters] as stored, TF same/valid padding, strides, dilation.
import { conv2d } from '../ops/conv.ts';
import type { KerasConfig } from '../layer.ts';
import { glorotUniform, initializerFrom, zeros, type Initializer } from '../initializers.ts';
import type { Shape, Tensor, Variable } from '../tensor.ts';
import { ConvBase, convArgsFromKeras, GLOROT, ZEROS, type ConvBaseArgs } from './conv-base.ts';

export interface Conv2DArgs extends ConvBaseArgs {
  filters: number;
  kernelInitializer?: Initializer;
  biasInitializer?: Initializer;
}

export class Conv2D extends ConvBase {
  readonly className: string = 'Conv2D';
  readonly filters: number;
  kernel!: Variable;
  bias: Variable | null = null;
  private kernelInit: Initializer;
  private biasInit: Initializer;

  constructor(args: Conv2DArgs) {
    super(args, 'conv2d');
    this.filters = args.filters;
    if (!Number.isInteger(this.filters) || this.filters < 1) throw new Error(`${this.what}: filters must be a positive integer, got ${args.filters}`);
    this.kernelInit = args.kernelInitializer ?? glorotUniform;
    this.biasInit = args.biasInitializer ?? zeros;
  }

  static fromKeras(c: KerasConfig): Conv2D {
    if (c.groups !== undefined && c.groups !== null && c.groups !== 1) {
      throw new Error(`layer ${c.name} (Conv2D): groups=${c.groups} (grouped convolution) is not supported`);
    }
    return new Conv2D({
      ...convArgsFromKeras(c),
      filters: (c.filters ?? c.nb_filter) as number,
      kernelInitializer: initializerFrom(c.kernel_initializer ?? c.init),
      biasInitializer: initializerFrom(c.bias_initializer, zeros),
    });
  }

  build([shape]: Shape[]): void {
    const [, , c] = this.hwc(shape);
    this.kernel = this.addWeight('kernel', [this.kernelSize[0], this.kernelSize[1], c, this.filters], this.kernelInit);
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], this.biasInit);
    this.built = true;
  }

  computeOutputShape([shape]: Shape[]): Shape {
    const [h, w, c] = this.hwc(shape);
    const [oh, ow] = this.convOutput(h, w, c);
    return this.fromHwc(oh, ow, this.filters);
  }

  protected convolve(x: Tensor, activation: string): Tensor {
    return conv2d(x, this.kernel, this.bias, { ...this.convOptions, activation });
  }

  protected kerasConfig(): KerasConfig {
    return {
      filters: this.filters,
      ...this.baseConfig(),
      kernel_initializer: GLOROT,
      bias_initializer: ZEROS,
      kernel_regularizer: null,
      bias_regularizer: null,
      activity_regularizer: null,
      kernel_constraint: null,
      bias_constraint: null,
    };
  }
}
