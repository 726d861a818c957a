// Keras ZeroPadding2D on NHWC: padding as an int, (h, w), ((top, bottom), (left, right)), or
// Keras 1's 4-tuple / dict.
import { pad2d } from '../ops/shape.ts';
import { Layer, type CallContext, type KerasConfig, type LayerArgs } from '../layer.ts';
import type { Shape, Tensor } from '../tensor.ts';
import { common, dataFormat, edges, expect3d, type Edges } from './args.ts';

export class ZeroPadding2D extends Layer {
  readonly className = 'ZeroPadding2D';
  /** [top, bottom, left, right] */
  readonly padding: Edges;
  readonly dataFormat: string;
  constructor(args: LayerArgs & { padding?: unknown; dataFormat?: string } = {}) {
    super(args, 'zero_padding2d');
    this.padding = edges(args.padding ?? 1, 'ZeroPadding2D padding');
    this.dataFormat = args.dataFormat ?? 'channels_last';
  }
  static fromKeras(c: KerasConfig): ZeroPadding2D {
    return new ZeroPadding2D({ ...common(c), padding: c.padding ?? 1, dataFormat: dataFormat(c) });
  }
  computeOutputShape([s]: Shape[]): Shape {
    expect3d(this, s);
    const [t, b, l, r] = this.padding;
    return [s[0] + t + b, s[1] + l + r, s[2]];
  }
  call([x]: Tensor[], _ctx: CallContext): Tensor {
    return pad2d(x, this.padding);
  }
  protected kerasConfig(): KerasConfig {
    const [t, b, l, r] = this.padding;
    return { padding: [[t, b], [l, r]], data_format: this.dataFormat };
  }
}
