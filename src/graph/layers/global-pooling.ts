// Keras GlobalAveragePooling2D and GlobalMaxPooling2D (NHWC): [n, h, w, c] -> [n, c], or
// [n, 1, 1, c] with tf.keras's keepdims.
import { globalPool2d } from '../ops/pool.ts';
import { reshape } from '../ops/shape.ts';
import { Layer, type CallContext, type KerasConfig, type LayerArgs } from '../layer.ts';
import { shapeStr, type Shape, type Tensor } from '../tensor.ts';
import { common, dataFormat } from './args.ts';

export interface GlobalPoolArgs extends LayerArgs {
  dataFormat?: string;
  /** tf.keras >= 2.6: keep [1, 1, c] instead of [c]. */
  keepdims?: boolean;
}

abstract class GlobalPool2D extends Layer {
  readonly dataFormat: string;
  readonly keepdims: boolean;
  protected abstract readonly op: 'max' | 'avg';
  constructor(args: GlobalPoolArgs, base: string) {
    super(args, base);
    this.dataFormat = args.dataFormat ?? 'channels_last';
    this.keepdims = args.keepdims ?? false;
  }
  protected static argsFrom(c: KerasConfig): GlobalPoolArgs {
    return { ...common(c), dataFormat: dataFormat(c), keepdims: (c.keepdims as boolean) ?? false };
  }
  computeOutputShape([s]: Shape[]): Shape {
    if (s.length !== 3) throw new Error(`layer ${this.name} (${this.className}): expects [h, w, c] inputs, got ${shapeStr(s)}`);
    return this.keepdims ? [1, 1, s[2]] : [s[2]];
  }
  call([x]: Tensor[], _ctx: CallContext): Tensor {
    const y = globalPool2d(this.op, x);
    return this.keepdims ? reshape(y, [x.shape[0], 1, 1, x.shape[3]], true) : y;
  }
  protected kerasConfig(): KerasConfig {
    return { data_format: this.dataFormat, ...(this.keepdims ? { keepdims: true } : {}) };
  }
}

export class GlobalAveragePooling2D extends GlobalPool2D {
  readonly className = 'GlobalAveragePooling2D';
  protected readonly op = 'avg';
  constructor(args: GlobalPoolArgs = {}) {
    super(args, 'global_average_pooling2d');
  }
  static fromKeras(c: KerasConfig): GlobalAveragePooling2D {
    return new GlobalAveragePooling2D(GlobalPool2D.argsFrom(c));
  }
}

export class GlobalMaxPooling2D extends GlobalPool2D {
  readonly className = 'GlobalMaxPooling2D';
  protected readonly op = 'max';
  constructor(args: GlobalPoolArgs = {}) {
    super(args, 'global_max_pooling2d');
  }
  static fromKeras(c: KerasConfig): GlobalMaxPooling2D {
    return new GlobalMaxPooling2D(GlobalPool2D.argsFrom(c));
  }
}
