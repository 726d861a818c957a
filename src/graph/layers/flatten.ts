// Keras Flatten: NHWC order, as Keras flattens channels_last tensors. (A channels_first Keras
// model flattens C, H, W order; whoever converts such a model to NHWC must permute first.)
import { reshape } from '../ops/shape.ts';
import { Layer, type CallContext, type KerasConfig, type LayerArgs } from '../layer.ts';
import { sizeOf, type Shape, type Tensor } from '../tensor.ts';
import { common, dataFormat } from './args.ts';

export class Flatten extends Layer {
  readonly className = 'Flatten';
  readonly dataFormat: string;
  constructor(args: LayerArgs & { dataFormat?: string } = {}) {
    super(args, 'flatten');
    this.dataFormat = args.dataFormat ?? 'channels_last';
  }
  static fromKeras(c: KerasConfig): Flatten {
    return new Flatten({ ...common(c), dataFormat: dataFormat(c) });
  }
  computeOutputShape([s]: Shape[]): Shape {
    return [sizeOf(s)];
  }
  call([x]: Tensor[], _ctx: CallContext): Tensor {
    return reshape(x, [x.shape[0], sizeOf(x.shape.slice(1))]);
  }
  protected kerasConfig(): KerasConfig {
    return { data_format: this.dataFormat };
  }
}
