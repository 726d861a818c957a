// MXNet's scalar arithmetic ops (`_plus_scalar`, `_minus_scalar`, `_rminus_scalar`, `_mul_scalar`,
// `_div_scalar`) as one layer: y = a * x + b. No Keras class does this; it appears in symbol graphs
// that normalize their input (insightface: (x - 127.5) * 0.0078125).
import { affine } from '../ops/arith.ts';
import { Layer, type CallContext, type KerasConfig, type LayerArgs } from '../layer.ts';
import type { Shape, Tensor } from '../tensor.ts';

export const MX_SCALAR_OPS = ['_plus_scalar', '_PlusScalar', '_minus_scalar', '_MinusScalar', '_rminus_scalar', '_RMinusScalar', '_mul_scalar', '_MulScalar', '_div_scalar', '_DivScalar'];

export class MxnetScalar extends Layer {
  readonly className = 'MxnetScalar';
  readonly a: number;
  readonly b: number;
  constructor(
    readonly op: string,
    readonly scalar: number,
    args: LayerArgs = {},
  ) {
    super(args, 'mxnet_scalar');
    const o = op.replace(/^_/, '').toLowerCase().replace(/scalar$/, '').replace(/_$/, '');
    if (o === 'plus') [this.a, this.b] = [1, scalar];
    else if (o === 'minus') [this.a, this.b] = [1, -scalar];
    else if (o === 'rminus') [this.a, this.b] = [-1, scalar];
    else if (o === 'mul') [this.a, this.b] = [scalar, 0];
    else if (o === 'div') [this.a, this.b] = [1 / scalar, 0];
    else throw new Error(`MxnetScalar: unknown op ${op}`);
  }
  static fromKeras(c: KerasConfig): MxnetScalar {
    return new MxnetScalar(c.op as string, c.scalar as number, { name: c.name as string });
  }
  computeOutputShape([s]: Shape[]): Shape {
    return s;
  }
  call([x]: Tensor[], _ctx: CallContext): Tensor {
    return affine(x, this.a, this.b);
  }
  protected kerasConfig(): KerasConfig {
    return { op: this.op, scalar: this.scalar };
  }
}
