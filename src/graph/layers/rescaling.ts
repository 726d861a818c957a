// Keras Rescaling (tf.keras 2.3+ preprocessing): y = x * scale + offset.
import { affine } from '../ops/arith.ts';
import { Layer, type CallContext, type KerasConfig, type LayerArgs } from '../layer.ts';
import type { Shape, Tensor } from '../tensor.ts';
import { common } from './args.ts';

export class Rescaling extends Layer {
  readonly className = 'Rescaling';
  readonly scale: number;
  readonly offset: number;
  constructor(args: LayerArgs & { scale: number; offset?: number }) {
    super(args, 'rescaling');
    this.scale = args.scale;
    this.offset = args.offset ?? 0;
    if (!Number.isFinite(this.scale) || !Number.isFinite(this.offset)) {
      throw new Error(`layer ${this.name} (Rescaling): scale and offset must be numbers (per-channel lists are not supported), got ${JSON.stringify([args.scale, args.offset])}`);
    }
  }
  static fromKeras(c: KerasConfig): Rescaling {
    return new Rescaling({ ...common(c), scale: c.scale as number, offset: (c.offset as number) ?? 0 });
  }
  computeOutputShape([s]: Shape[]): Shape {
    return s;
  }
  call([x]: Tensor[], _ctx: CallContext): Tensor {
    return affine(x, this.scale, this.offset);
  }
  protected kerasConfig(): KerasConfig {
    return { dtype: 'float32', scale: this.scale, offset: this.offset };
  }
}
