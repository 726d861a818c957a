// Keras Normalization (tf.keras 2.3+ preprocessing, as EfficientNet uses it): y = (x - mean) /
// sqrt(variance) per feature of `axis` (last by default). Weights in Keras order: mean [C],
// variance [C], count [] (the number of samples adapt() saw; an int64 scalar in Keras files),
// all non-trainable. Keras divides by max(sqrt(variance), 1e-7); here sqrt(variance + 1e-14).
import { batchNorm } from '../ops/batchnorm.ts';
import { ones, zeros } from '../initializers.ts';
import { Layer, type CallContext, type KerasConfig, type LayerArgs } from '../layer.ts';
import type { Shape, Tensor, Variable } from '../tensor.ts';
import { common } from './args.ts';

export class Normalization extends Layer {
  readonly className = 'Normalization';
  readonly axis: number;
  mean!: Variable;
  variance!: Variable;
  count!: Variable;
  constructor(args: LayerArgs & { axis?: number | number[] } = {}) {
    super(args, 'normalization');
    const a = args.axis ?? -1;
    const list = Array.isArray(a) ? a : [a];
    if (list.length !== 1) throw new Error(`layer ${this.name} (Normalization): only one normalized axis is supported, got axis ${JSON.stringify(a)}`);
    this.axis = list[0];
  }
  static fromKeras(c: KerasConfig): Normalization {
    if (c.mean !== undefined && c.mean !== null) throw new Error(`layer ${c.name} (Normalization): mean/variance given in the config are not supported (only as weights)`);
    return new Normalization({ ...common(c), axis: (c.axis ?? -1) as number | number[] });
  }
  private channels(s: Shape): number {
    const ax = this.axis < 0 ? s.length + 1 + this.axis : this.axis;
    if (ax < 1 || ax > s.length) throw new Error(`layer ${this.name} (Normalization): axis ${this.axis} is out of range for input [batch,${s.join(',')}]`);
    return s[ax - 1];
  }
  build([s]: Shape[]): void {
    const c = this.channels(s);
    this.mean = this.addWeight('mean', [c], zeros, false);
    this.variance = this.addWeight('variance', [c], ones, false);
    this.count = this.addWeight('count', [], zeros, false);
    this.built = true;
  }
  computeOutputShape([s]: Shape[]): Shape {
    return s;
  }
  call([x]: Tensor[], _ctx: CallContext): Tensor {
    return batchNorm(x, { gamma: null, beta: null, movingMean: this.mean, movingVariance: this.variance, axis: this.axis, epsilon: 1e-14, momentum: 0, batchStats: false, updateMoving: false });
  }
  protected kerasConfig(): KerasConfig {
    return { dtype: 'float32', axis: this.axis };
  }
}
