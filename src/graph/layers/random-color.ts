// Keras's photometric augmentation layers: RandomContrast ((x - mean) * f + mean per image and
// channel, the mean over H and W, f uniform in [1 - lower, 1 + upper]) and RandomBrightness
// (x + delta clipped to value_range, delta uniform in factor * (max - min)). One draw per image
// (as Keras 3 does; tf.keras 2.x RandomContrast drew one factor per batch). Built from broadcast
// elementwise kernels; no gradient to the input (they sit in front of the model).
import { add, mul, maximum, minimum } from '../../kernels/elementwise.ts';
import { sumToShape } from '../../kernels/reduce.ts';
import { affine } from '../../kernels/scale.ts';
import type { KerasConfig } from '../layer.ts';
import { Tensor } from '../tensor.ts';
import { common } from './args.ts';
import { factorRange, RandomLayer, type RandomLayerArgs } from './random-base.ts';

export class RandomContrast extends RandomLayer {
  readonly className = 'RandomContrast';
  readonly lower: number;
  readonly upper: number;
  private readonly rawFactor: number | [number, number];
  constructor(args: RandomLayerArgs & { factor: number | [number, number] }) {
    super(args, 'random_contrast');
    this.rawFactor = args.factor;
    const [lo, hi] = typeof args.factor === 'number' ? [args.factor, args.factor] : factorRange(args.factor, `layer ${this.name} (RandomContrast)`).map(Math.abs);
    if (!(lo >= 0 && hi >= 0 && lo <= 1)) throw new Error(`layer ${this.name} (RandomContrast): factor must be in [0, 1] (lower) and >= 0, got ${JSON.stringify(args.factor)}`);
    [this.lower, this.upper] = [1 - lo, 1 + hi];
  }
  static fromKeras(c: KerasConfig): RandomContrast {
    return new RandomContrast({ ...common(c), seed: (c.seed as number | null) ?? null, factor: c.factor as number });
  }
  /** The per-image contrast factors of one call (exposed for tests). */
  factors(n: number, rng: () => number): Float32Array {
    return Float32Array.from({ length: n }, () => this.lower + (this.upper - this.lower) * rng());
  }
  protected augment(x: Tensor, rng: () => number): Tensor {
    const [n, h, w, c] = x.shape;
    const f = this.factors(n, rng);
    const sum = sumToShape(x, [n, 1, 1, c]);
    const m = affine(sum, 1 / (h * w), 0);
    sum.dispose();
    const ft = Tensor.from(f, [n, 1, 1, 1], 'contrast_f');
    const gt = Tensor.from(f.map((v) => 1 - v), [n, 1, 1, 1], 'contrast_1mf');
    const a = mul(x, ft);
    const b = mul(m, gt);
    const y = add(a, b);
    for (const t of [m, ft, gt, a, b]) t.dispose();
    return y;
  }
  protected kerasConfig(): KerasConfig {
    return { ...this.baseConfig(), factor: this.rawFactor };
  }
}

export class RandomBrightness extends RandomLayer {
  readonly className = 'RandomBrightness';
  readonly factor: [number, number];
  readonly valueRange: [number, number];
  private readonly rawFactor: number | [number, number];
  constructor(args: RandomLayerArgs & { factor: number | [number, number]; valueRange?: [number, number] }) {
    super(args, 'random_brightness');
    this.rawFactor = args.factor;
    this.factor = factorRange(args.factor, `layer ${this.name} (RandomBrightness)`);
    if (this.factor[0] < -1 || this.factor[1] > 1) throw new Error(`layer ${this.name} (RandomBrightness): factor must be within [-1, 1], got ${JSON.stringify(args.factor)}`);
    this.valueRange = args.valueRange ?? [0, 255];
  }
  static fromKeras(c: KerasConfig): RandomBrightness {
    return new RandomBrightness({ ...common(c), seed: (c.seed as number | null) ?? null, factor: c.factor as number, valueRange: (c.value_range as [number, number]) ?? [0, 255] });
  }
  /** The per-image brightness deltas of one call (exposed for tests). */
  deltas(n: number, rng: () => number): Float32Array {
    const [lo, hi] = this.factor;
    const span = this.valueRange[1] - this.valueRange[0];
    return Float32Array.from({ length: n }, () => (lo + (hi - lo) * rng()) * span);
  }
  protected augment(x: Tensor, rng: () => number): Tensor {
    const n = x.shape[0];
    const d = Tensor.from(this.deltas(n, rng), [n, 1, 1, 1], 'brightness_delta');
    const lo = Tensor.from([this.valueRange[0]], [1], 'brightness_lo');
    const hi = Tensor.from([this.valueRange[1]], [1], 'brightness_hi');
    const a = add(x, d);
    const b = maximum(a, lo);
    const y = minimum(b, hi);
    for (const t of [d, lo, hi, a, b]) t.dispose();
    return y;
  }
  protected kerasConfig(): KerasConfig {
    return { ...this.baseConfig(), factor: this.rawFactor, value_range: this.valueRange };
  }
}
