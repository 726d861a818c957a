// Shared by Keras's random augmentation layers (RandomFlip, RandomRotation, RandomZoom,
// RandomTranslation, RandomCrop, RandomContrast, RandomBrightness): identity outside training,
// per-image draws from a seeded generator (the layer seed, or one drawn from the global
// initializer seed, mixed with a call counter, so that a fixed seed repeats the same sequence),
// and `isStochastic`, which turns the bottleneck cache off for the frozen part they sit in.
import { random } from '../initializers.ts';
import { reshape } from '../ops/shape.ts';
import { Layer, type CallContext, type KerasConfig, type LayerArgs } from '../layer.ts';
import type { Shape, Tensor } from '../tensor.ts';

export interface RandomLayerArgs extends LayerArgs {
  seed?: number | null;
}

/** mulberry32 over a 32-bit state. */
export function seededUniform(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Keras's factor argument: f -> [-f, f] (or [1-f, 1+f] style by the caller), [lo, hi] as given. */
export function factorRange(v: unknown, what: string): [number, number] {
  if (typeof v === 'number') return [-Math.abs(v), Math.abs(v)];
  if (Array.isArray(v) && v.length === 2 && v.every((n) => typeof n === 'number')) {
    if (v[0] > v[1]) throw new Error(`${what}: factor [${v}] has lower > upper`);
    return [v[0], v[1]];
  }
  throw new Error(`${what}: factor must be a number or [lower, upper], got ${JSON.stringify(v)}`);
}

export abstract class RandomLayer extends Layer {
  /** Read by the bottleneck cache (src/train/bottleneck.ts): outputs vary between epochs. */
  readonly isStochastic = true;
  readonly seed: number | null;
  private readonly baseSeed: number;
  /** Calls in training mode so far; advances the draws. */
  calls = 0;

  constructor(args: RandomLayerArgs, base: string) {
    super(args, base);
    this.seed = args.seed ?? null;
    this.baseSeed = (args.seed ?? Math.floor(random() * 2 ** 32)) >>> 0;
  }

  /** The generator of the next training call. */
  protected nextRng(): () => number {
    let h = (this.baseSeed ^ Math.imul(++this.calls, 0x9e3779b9)) >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
    return seededUniform((h ^ (h >>> 16)) >>> 0);
  }

  computeOutputShape([s]: Shape[]): Shape {
    return s;
  }

  call([x]: Tensor[], ctx: CallContext): Tensor {
    if (!ctx.training) return this.inference(x);
    if (x.rank !== 4) throw new Error(`layer ${this.name} (${this.className}): expects an NHWC batch, got [${x.shape}]`);
    return this.augment(x, this.nextRng());
  }

  /** Outside training: the input unchanged (a view, like Dropout). */
  protected inference(x: Tensor): Tensor {
    return reshape(x, x.shape);
  }

  protected abstract augment(x: Tensor, rng: () => number): Tensor;

  protected baseConfig(): KerasConfig {
    return { dtype: 'float32', seed: this.seed };
  }
}
