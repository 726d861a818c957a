// Keras Concatenate along any axis (default -1; Inception's channel concatenation).
import { concat } from '../ops/shape.ts';
import { Layer, type CallContext, type KerasConfig, type LayerArgs } from '../layer.ts';
import { shapeStr, type Shape, type Tensor } from '../tensor.ts';
import { common } from './args.ts';

export class Concatenate extends Layer {
  readonly className = 'Concatenate';
  readonly axis: number;
  constructor(args: LayerArgs & { axis?: number } = {}) {
    super(args, 'concatenate');
    this.axis = args.axis ?? -1;
  }
  static fromKeras(c: KerasConfig): Concatenate {
    return new Concatenate({ ...common(c), axis: (c.axis ?? c.concat_axis ?? -1) as number });
  }
  computeOutputShape(shapes: Shape[]): Shape {
    const rank = shapes[0].length;
    // The axis counts the batch in Keras; shapes here do not.
    const a = this.axis < 0 ? this.axis + rank : this.axis - 1;
    if (a < 0 || a >= rank) throw new Error(`layer ${this.name} (Concatenate): axis ${this.axis} out of range for inputs ${shapes.map(shapeStr).join(', ')}`);
    for (const s of shapes) {
      if (s.length !== rank || s.some((d, i) => i !== a && d !== shapes[0][i])) {
        throw new Error(`layer ${this.name} (Concatenate): inputs ${shapes.map(shapeStr).join(', ')} differ outside axis ${this.axis}`);
      }
    }
    const out = [...shapes[0]];
    out[a] = shapes.reduce((s, x) => s + x[a], 0);
    return out;
  }
  call(xs: Tensor[], _ctx: CallContext): Tensor {
    return concat(xs, this.axis);
  }
  protected kerasConfig(): KerasConfig {
    return { axis: this.axis };
  }
}
