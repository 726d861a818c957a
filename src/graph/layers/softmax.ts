// Keras Softmax layer (last axis; the op is src/graph/ops/softmax.ts).
import { softmax } from '../ops/softmax.ts';
import { Layer, type CallContext, type KerasConfig, type LayerArgs } from '../layer.ts';
import { shapeStr, type Shape, type Tensor } from '../tensor.ts';
import { common } from './args.ts';

export class Softmax extends Layer {
  computeOutputShape([s]: Shape[]): Shape {
    return s;
  }
  readonly className = 'Softmax';
  readonly axis: number;
  constructor(args: LayerArgs & { axis?: number } = {}) {
    super(args, 'softmax');
    this.axis = args.axis ?? -1;
  }
  static fromKeras(c: KerasConfig): Softmax {
    return new Softmax({ ...common(c), axis: (c.axis as number) ?? -1 });
  }
  call([x]: Tensor[], _ctx: CallContext): Tensor {
    if (this.axis !== -1 && this.axis !== x.rank - 1) {
      throw new Error(`layer ${this.name} (Softmax): only the last axis is supported, got axis ${this.axis} for ${shapeStr(x.shape)}`);
    }
    return softmax(x);
  }
  protected kerasConfig(): KerasConfig {
    return { axis: this.axis };
  }
}
