// Keras Reshape: target_shape (batch excluded) with at most one -1.
import { reshape } from '../ops/shape.ts';
import { Layer, type CallContext, type KerasConfig, type LayerArgs } from '../layer.ts';
import { shapeStr, sizeOf, type Shape, type Tensor } from '../tensor.ts';
import { common } from './args.ts';

export class Reshape extends Layer {
  readonly className = 'Reshape';
  readonly targetShape: number[];
  constructor(args: LayerArgs & { targetShape: number[] }) {
    super(args, 'reshape');
    this.targetShape = [...args.targetShape];
    if (this.targetShape.filter((d) => d === -1).length > 1) throw new Error(`layer ${this.name} (Reshape): more than one -1 in target_shape ${shapeStr(this.targetShape)}`);
  }
  static fromKeras(c: KerasConfig): Reshape {
    return new Reshape({ ...common(c), targetShape: c.target_shape as number[] });
  }
  computeOutputShape([s]: Shape[]): Shape {
    const total = sizeOf(s);
    const known = sizeOf(this.targetShape.filter((d) => d !== -1));
    const out = this.targetShape.map((d) => (d === -1 ? total / known : d));
    if (sizeOf(out) !== total || !out.every(Number.isInteger)) {
      throw new Error(`layer ${this.name} (Reshape): cannot reshape ${shapeStr(s)} to ${shapeStr(this.targetShape)}`);
    }
    return out;
  }
  call([x]: Tensor[], _ctx: CallContext): Tensor {
    return reshape(x, [x.shape[0], ...this.computeOutputShape([x.shape.slice(1)])]);
  }
  protected kerasConfig(): KerasConfig {
    return { target_shape: this.targetShape };
  }
}
