// Keras Cropping2D on NHWC: cropping as an int, (h, w) or ((top, bottom), (left, right)).
import { crop2d } from '../ops/shape.ts';
import { Layer, type CallContext, type KerasConfig, type LayerArgs } from '../layer.ts';
import type { Shape, Tensor } from '../tensor.ts';
import { common, dataFormat, edges, expect3d, type Edges } from './args.ts';

export class Cropping2D extends Layer {
  readonly className = 'Cropping2D';
  readonly cropping: Edges;
  readonly dataFormat: string;
  constructor(args: LayerArgs & { cropping?: unknown; dataFormat?: string } = {}) {
    super(args, 'cropping2d');
    this.cropping = edges(args.cropping ?? 0, 'Cropping2D cropping');
    this.dataFormat = args.dataFormat ?? 'channels_last';
  }
  static fromKeras(c: KerasConfig): Cropping2D {
    return new Cropping2D({ ...common(c), cropping: c.cropping ?? 0, dataFormat: dataFormat(c) });
  }
  computeOutputShape([s]: Shape[]): Shape {
    expect3d(this, s);
    const [t, b, l, r] = this.cropping;
    return [s[0] - t - b, s[1] - l - r, s[2]];
  }
  call([x]: Tensor[], _ctx: CallContext): Tensor {
    return crop2d(x, this.cropping);
  }
  protected kerasConfig(): KerasConfig {
    const [t, b, l, r] = this.cropping;
    return { cropping: [[t, b], [l, r]], data_format: this.dataFormat };
  }
}
