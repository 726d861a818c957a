// Keras Conv2DTranspose (Keras 1: Deconvolution2D): the gradient of a conv with respect to its
// input, kernel [kh, kw, filters, in] as stored. Output size as Keras's deconv_output_length
// without output_padding: same -> n*s, valid -> n*s + max(k_eff - s, 0).
import { conv2dTranspose, transposedLength } from '../ops/conv.ts';
import type { KerasConfig } from '../layer.ts';
import { glorotUniform, initializerFrom, zeros, type Initializer } from '../initializers.ts';
import type { Shape, Tensor, Variable } from '../tensor.ts';
import { ConvBase, convArgsFromKeras, GLOROT, ZEROS, type ConvBaseArgs } from './conv-base.ts';

export interface Conv2DTransposeArgs extends ConvBaseArgs {
  filters: number;
  kernelInitializer?: Initializer;
  biasInitializer?: Initializer;
}

export class Conv2DTranspose extends ConvBase {
  readonly className = 'Conv2DTranspose';
  readonly filters: number;
  kernel!: Variable;
  bias: Variable | null = null;
  private kernelInit: Initializer;
  private biasInit: Initializer;

  constructor(args: Conv2DTransposeArgs) {
    super(args, 'conv2d_transpose');
    this.filters = args.filters;
    if (!Number.isInteger(this.filters) || this.filters < 1) throw new Error(`${this.what}: filters must be a positive integer, got ${args.filters}`);
    this.kernelInit = args.kernelInitializer ?? glorotUniform;
    this.biasInit = args.biasInitializer ?? zeros;
  }

  static fromKeras(c: KerasConfig): Conv2DTranspose {
    const op = c.output_padding;
    if (op !== undefined && op !== null) {
      throw new Error(`layer ${c.name} (Conv2DTranspose): output_padding ${JSON.stringify(op)} is not supported (only null)`);
    }
    return new Conv2DTranspose({
      ...convArgsFromKeras(c),
      filters: (c.filters ?? c.nb_filter) as number,
      kernelInitializer: initializerFrom(c.kernel_initializer ?? c.init),
      biasInitializer: initializerFrom(c.bias_initializer, zeros),
    });
  }

  build([shape]: Shape[]): void {
    const [, , c] = this.hwc(shape);
    this.kernel = this.addWeight('kernel', [this.kernelSize[0], this.kernelSize[1], this.filters, c], this.kernelInit);
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], this.biasInit);
    this.built = true;
  }

  computeOutputShape([shape]: Shape[]): Shape {
    const [h, w] = this.hwc(shape);
    const [kh, kw] = this.kernelSize;
    return this.fromHwc(
      transposedLength(h, kh, this.strides[0], this.dilationRate[0], this.padding),
      transposedLength(w, kw, this.strides[1], this.dilationRate[1], this.padding),
      this.filters,
    );
  }

  protected convolve(x: Tensor, activation: string): Tensor {
    return conv2dTranspose(x, this.kernel, this.bias, { ...this.convOptions, activation });
  }

  protected kerasConfig(): KerasConfig {
    return {
      filters: this.filters,
      ...this.baseConfig(),
      output_padding: null,
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
