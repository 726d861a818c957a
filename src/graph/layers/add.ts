// Keras Add (ResNet) and Multiply: n inputs of equal shapes (or shapes that broadcast, as
// Keras's _Merge allows), folded pairwise.
import { add, mul } from '../ops/arith.ts';
import { broadcastShapes } from '../../kernels/elementwise.ts';
import { Layer, type CallContext, type KerasConfig, type LayerArgs } from '../layer.ts';
import type { Shape, Tensor } from '../tensor.ts';
import { common } from './args.ts';

abstract class Merge extends Layer {
  protected abstract combine(a: Tensor, b: Tensor): Tensor;
  computeOutputShape(shapes: Shape[]): Shape {
    if (shapes.length < 2) throw new Error(`layer ${this.name} (${this.className}): needs at least 2 inputs, got ${shapes.length}`);
    return shapes.reduce((a, b) => broadcastShapes(a, b, `layer ${this.name} (${this.className})`));
  }
  call(xs: Tensor[], _ctx: CallContext): Tensor {
    if (xs.length < 2) throw new Error(`layer ${this.name} (${this.className}): needs at least 2 inputs, got ${xs.length}`);
    let y = this.combine(xs[0], xs[1]);
    for (const x of xs.slice(2)) {
      const next = this.combine(y, x);
      y.dispose();
      y = next;
    }
    return y;
  }
  protected kerasConfig(): KerasConfig {
    return {};
  }
}

export class Add extends Merge {
  readonly className = 'Add';
  constructor(args: LayerArgs = {}) {
    super(args, 'add');
  }
  static fromKeras(c: KerasConfig): Add {
    return new Add(common(c));
  }
  protected combine(a: Tensor, b: Tensor): Tensor {
    return add(a, b);
  }
}

export class Multiply extends Merge {
  readonly className = 'Multiply';
  constructor(args: LayerArgs = {}) {
    super(args, 'multiply');
  }
  static fromKeras(c: KerasConfig): Multiply {
    return new Multiply(common(c));
  }
  protected combine(a: Tensor, b: Tensor): Tensor {
    return mul(a, b);
  }
}
