// Keras ReLU layer: K.relu(x, negative_slope, max_value, threshold); ReLU(max_value=6) is relu6.
import { relu } from '../ops/relu.ts';
import { Layer, type CallContext, type KerasConfig, type LayerArgs } from '../layer.ts';
import type { Shape, Tensor } from '../tensor.ts';
import { common } from './args.ts';

export interface ReLUArgs extends LayerArgs {
  maxValue?: number | null;
  negativeSlope?: number;
  threshold?: number;
}

export class ReLU extends Layer {
  computeOutputShape([s]: Shape[]): Shape {
    return s;
  }
  readonly className = 'ReLU';
  readonly maxValue: number | null;
  readonly negativeSlope: number;
  readonly threshold: number;
  constructor(args: ReLUArgs = {}) {
    super(args, 're_lu');
    this.maxValue = args.maxValue ?? null;
    this.negativeSlope = args.negativeSlope ?? 0;
    this.threshold = args.threshold ?? 0;
    if (this.maxValue !== null && this.maxValue < 0) throw new Error(`layer ${this.name} (ReLU): max_value ${this.maxValue} must be >= 0`);
    if (this.negativeSlope < 0) throw new Error(`layer ${this.name} (ReLU): negative_slope ${this.negativeSlope} must be >= 0`);
  }
  static fromKeras(c: KerasConfig): ReLU {
    return new ReLU({ ...common(c), maxValue: c.max_value as number | null, negativeSlope: (c.negative_slope as number) ?? 0, threshold: (c.threshold as number) ?? 0 });
  }
  call([x]: Tensor[], _ctx: CallContext): Tensor {
    return relu(x, { maxValue: this.maxValue, negativeSlope: this.negativeSlope, threshold: this.threshold });
  }
  protected kerasConfig(): KerasConfig {
    return { max_value: this.maxValue, negative_slope: this.negativeSlope, threshold: this.threshold };
  }
}
