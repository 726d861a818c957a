// Keras MaxPooling2D and AveragePooling2D (NHWC; global pooling is in global-pooling.ts).
// Keras 1 names: border_mode for padding, dim_ordering for data_format.
import { poolAxis, type Padding } from '../../kernels/pool.ts';
import { avgPool2d, maxPool2d } from '../ops/pool.ts';
import { Layer, type CallContext, type KerasConfig, type LayerArgs } from '../layer.ts';
import { shapeStr, type Shape, type Tensor } from '../tensor.ts';
import { common, dataFormat, pair, type Pair } from './args.ts';

export interface Pool2DArgs extends LayerArgs {
  poolSize?: Pair | number;
  strides?: Pair | number | null;
  padding?: Padding;
  dataFormat?: string;
}

abstract class Pool2D extends Layer {
  readonly poolSize: Pair;
  readonly strides: Pair;
  readonly padding: Padding;
  readonly dataFormat: string;
  protected abstract readonly op: 'max' | 'avg';

  constructor(args: Pool2DArgs, base: string) {
    super(args, base);
    this.poolSize = pair(args.poolSize, [2, 2], `${base} pool_size`);
    this.strides = pair(args.strides, this.poolSize, `${base} strides`);
    this.padding = args.padding ?? 'valid';
    this.dataFormat = args.dataFormat ?? 'channels_last';
  }

  protected static argsFrom(c: KerasConfig): Pool2DArgs {
    return {
      ...common(c),
      poolSize: c.pool_size as Pair,
      strides: c.strides as Pair | null,
      padding: (c.padding ?? c.border_mode ?? 'valid') as Padding,
      dataFormat: dataFormat(c),
    };
  }

  computeOutputShape([s]: Shape[]): Shape {
    if (s.length !== 3) throw new Error(`layer ${this.name} (${this.className}): expects [h, w, c] inputs, got ${shapeStr(s)}`);
    const [oh] = poolAxis(s[0], this.poolSize[0], this.strides[0], this.padding);
    const [ow] = poolAxis(s[1], this.poolSize[1], this.strides[1], this.padding);
    return [oh, ow, s[2]];
  }

  call([x]: Tensor[], _ctx: CallContext): Tensor {
    return this.op === 'max' ? maxPool2d(x, this.poolSize, this.strides, this.padding) : avgPool2d(x, this.poolSize, this.strides, this.padding);
  }

  protected kerasConfig(): KerasConfig {
    return { pool_size: this.poolSize, padding: this.padding, strides: this.strides, data_format: this.dataFormat };
  }
}

export class MaxPooling2D extends Pool2D {
  readonly className = 'MaxPooling2D';
  protected readonly op = 'max';
  constructor(args: Pool2DArgs = {}) {
    super(args, 'max_pooling2d');
  }
  static fromKeras(c: KerasConfig): MaxPooling2D {
    return new MaxPooling2D(Pool2D.argsFrom(c));
  }
}

export class AveragePooling2D extends Pool2D {
  readonly className = 'AveragePooling2D';
  protected readonly op = 'avg';
  constructor(args: Pool2DArgs = {}) {
    super(args, 'average_pooling2d');
  }
  static fromKeras(c: KerasConfig): AveragePooling2D {
    return new AveragePooling2D(Pool2D.argsFrom(c));
  }
}
