// What Conv2D, DepthwiseConv2D, SeparableConv2D and Conv2DTranspose share: Keras config parsing
// (Keras 2 names and Keras 1 aliases: nb_row/nb_col, subsample, border_mode, dim_ordering,
// atrous_rate), output shapes, the activation epilogue, and channels_first handled by transposing
// NCHW <-> NHWC around the NHWC kernels, so a channels_first file runs as Keras runs it.
import { convGeometry, type Padding } from '../../kernels/conv-geometry.ts';
import { FUSABLE } from '../ops/activation.ts';
import { toChannelsFirst, toChannelsLast } from '../ops/transpose.ts';
import { Layer, type CallContext, type KerasConfig, type LayerArgs } from '../layer.ts';
import { shapeStr, type Shape, type Tensor } from '../tensor.ts';
import { activationConfig, activationName, applyActivation } from './activation.ts';

export type DataFormat = 'channels_last' | 'channels_first';

export interface ConvBaseArgs extends LayerArgs {
  kernelSize: number | [number, number];
  strides?: number | [number, number];
  padding?: Padding;
  dilationRate?: number | [number, number];
  dataFormat?: DataFormat;
  activation?: string;
  useBias?: boolean;
}

const pair2 = (v: number | readonly number[] | undefined, d: number): [number, number] =>
  v === undefined || v === null ? [d, d] : typeof v === 'number' ? [v, v] : [v[0], v[1] ?? v[0]];

/** The constructor args common to conv layers, from a Keras 2 or Keras 1 config. */
export function convArgsFromKeras(c: KerasConfig): ConvBaseArgs {
  const kernelSize = (c.kernel_size ?? (c.nb_row !== undefined ? [c.nb_row, c.nb_col] : undefined)) as number | [number, number];
  const dimOrdering = c.dim_ordering === 'th' ? 'channels_first' : c.dim_ordering === 'tf' ? 'channels_last' : undefined;
  return {
    name: c.name as string | undefined,
    trainable: c.trainable as boolean | undefined,
    kernelSize,
    strides: (c.strides ?? c.subsample) as [number, number] | undefined,
    padding: (c.padding ?? c.border_mode ?? 'valid') as Padding,
    dilationRate: (c.dilation_rate ?? c.atrous_rate) as [number, number] | undefined,
    dataFormat: ((c.data_format as DataFormat | null) ?? dimOrdering ?? 'channels_last') as DataFormat,
    activation: (c.activation as string) ?? 'linear',
    useBias: (c.use_bias ?? c.bias ?? true) as boolean,
  };
}

export abstract class ConvBase extends Layer {
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  readonly dilationRate: [number, number];
  readonly dataFormat: DataFormat;
  readonly activation: string;
  readonly useBias: boolean;

  constructor(args: ConvBaseArgs, base: string) {
    super(args, base);
    this.kernelSize = pair2(args.kernelSize, 1);
    this.strides = pair2(args.strides, 1);
    this.dilationRate = pair2(args.dilationRate, 1);
    this.padding = args.padding ?? 'valid';
    this.dataFormat = args.dataFormat ?? 'channels_last';
    this.activation = activationName(args.activation ?? 'linear');
    this.useBias = args.useBias ?? true;
    const what = `layer ${this.name} (${new.target.name})`;
    if (args.kernelSize === undefined) throw new Error(`${what}: kernel_size is missing`);
    if (this.padding !== 'same' && this.padding !== 'valid') throw new Error(`${what}: padding '${this.padding}' is not supported (same, valid)`);
    if (this.dataFormat !== 'channels_last' && this.dataFormat !== 'channels_first') throw new Error(`${what}: data_format '${this.dataFormat}' is not supported`);
    for (const v of [...this.kernelSize, ...this.strides, ...this.dilationRate]) {
      if (!Number.isInteger(v) || v < 1) throw new Error(`${what}: kernel_size, strides and dilation_rate must be positive integers`);
    }
  }

  protected get what(): string {
    return `layer ${this.name} (${this.className})`;
  }

  /** [H, W, C] of an input shape (batch excluded) in this layer's data format. */
  protected hwc(shape: Shape): [number, number, number] {
    if (shape.length !== 3) throw new Error(`${this.what}: expects a 4-D input, got [batch,${shape.join(',')}]`);
    return this.dataFormat === 'channels_first' ? [shape[1], shape[2], shape[0]] : [shape[0], shape[1], shape[2]];
  }

  protected fromHwc(h: number, w: number, c: number): Shape {
    return this.dataFormat === 'channels_first' ? [c, h, w] : [h, w, c];
  }

  /** Spatial output size of a forward conv with this layer's window. */
  protected convOutput(h: number, w: number, c: number): [number, number] {
    const g = convGeometry(this.what, [1, h, w, c], this.kernelSize[0], this.kernelSize[1], 1, this.convOptions);
    return [g.OH, g.OW];
  }

  get convOptions() {
    return { strides: this.strides, padding: this.padding, dilation: this.dilationRate };
  }

  /** The activation fused into the kernel, and the one applied after it (softmax, softplus...). */
  protected get epilogue(): { fused: string; after: string } {
    return FUSABLE.has(this.activation) ? { fused: this.activation, after: 'linear' } : { fused: 'linear', after: this.activation };
  }

  /** The convolution on an NHWC tensor, with the fused activation. */
  protected abstract convolve(x: Tensor, activation: string): Tensor;

  call([x]: Tensor[], _ctx: CallContext): Tensor {
    if (x.rank !== 4) throw new Error(`${this.what}: expects a 4-D input, got ${shapeStr(x.shape)}`);
    const { fused, after } = this.epilogue;
    const first = this.dataFormat === 'channels_first';
    const nhwc = first ? toChannelsLast(x) : x;
    let y = this.convolve(nhwc, fused);
    if (first) nhwc.dispose();
    if (after !== 'linear') {
      const z = y;
      y = applyActivation(z, after);
      z.dispose(); // the tape keeps its own views of what backward needs
    }
    if (!first) return y;
    const out = toChannelsFirst(y);
    y.dispose();
    return out;
  }

  /** Keras 2 config keys common to conv layers. */
  protected baseConfig(): KerasConfig {
    return {
      kernel_size: [...this.kernelSize],
      strides: [...this.strides],
      padding: this.padding,
      data_format: this.dataFormat,
      dilation_rate: [...this.dilationRate],
      activation: activationConfig(this.activation),
      use_bias: this.useBias,
    };
  }
}

export const GLOROT = { class_name: 'GlorotUniform', config: { seed: null } };
export const ZEROS = { class_name: 'Zeros', config: {} };
