// Keras Dropout and SpatialDropout2D: inverted dropout in training mode, identity otherwise.
// Each call draws a new seed from the layer's seed and a call counter, so masks differ between
// steps without allocating anything (the seed travels in the kernel's params).
import { dropout } from '../ops/dropout.ts';
import { reshape } from '../ops/shape.ts';
import { random } from '../initializers.ts';
import { Layer, type CallContext, type KerasConfig, type LayerArgs } from '../layer.ts';
import { shapeStr, type Shape, type Tensor } from '../tensor.ts';
import { common, dataFormat } from './args.ts';

export interface DropoutArgs extends LayerArgs {
  rate: number;
  /** Fixed seed (Keras `seed`); otherwise drawn from the global initializer seed. */
  seed?: number | null;
  noiseShape?: (number | null)[] | null;
}

/** Mixes the layer seed and the call count into a 32-bit seed (splitmix-style finalizer). */
function mix(seed: number, call: number): number {
  let h = (seed ^ Math.imul(call + 1, 0x9e3779b9)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

abstract class DropoutBase extends Layer {
  readonly rate: number;
  readonly seed: number | null;
  private readonly baseSeed: number;
  /** Calls in training mode so far; advances the mask. */
  calls = 0;
  constructor(
    args: DropoutArgs,
    base: string,
    /** One draw per (batch item, channel) of an NHWC tensor instead of per element. */
    readonly spatial: boolean,
  ) {
    super(args, base);
    this.rate = args.rate;
    if (!(this.rate >= 0 && this.rate < 1)) throw new Error(`layer ${this.name} (${new.target.name}): rate ${this.rate} must be in [0, 1)`);
    this.seed = args.seed ?? null;
    this.baseSeed = (args.seed ?? Math.floor(random() * 2 ** 32)) >>> 0;
  }
  computeOutputShape([s]: Shape[]): Shape {
    return s;
  }
  call([x]: Tensor[], ctx: CallContext): Tensor {
    if (!ctx.training || this.rate === 0) return reshape(x, x.shape);
    if (this.spatial && x.rank !== 4) throw new Error(`layer ${this.name} (${this.className}): expects NHWC inputs, got ${shapeStr(x.shape)}`);
    return dropout(x, { rate: this.rate, seed: mix(this.baseSeed, this.calls++), spatial: this.spatial });
  }
}

export class Dropout extends DropoutBase {
  readonly className = 'Dropout';
  readonly noiseShape: (number | null)[] | null;
  constructor(args: DropoutArgs) {
    // noise_shape [None, 1, 1, C] drops whole channels, as SpatialDropout2D does.
    const noise = args.noiseShape ?? null;
    if (noise && !(noise.length === 4 && noise[1] === 1 && noise[2] === 1)) {
      throw new Error(`layer ${args.name ?? 'dropout'} (Dropout): noise_shape ${JSON.stringify(noise)} is not supported (only [None, 1, 1, C])`);
    }
    super(args, 'dropout', noise !== null);
    this.noiseShape = args.noiseShape ?? null;
  }
  /** noise_shape [None, 1, 1, 1] (EfficientNet's drop-connect) drops whole samples. */
  override call([x]: Tensor[], ctx: CallContext): Tensor {
    const n = this.noiseShape;
    if (!(n && n[3] === 1 && ctx.training && this.rate > 0 && x.rank === 4 && x.shape[3] !== 1)) return super.call([x], ctx);
    const v = reshape(x, [x.shape[0], x.size / x.shape[0], 1, 1]);
    const y = super.call([v], ctx);
    v.dispose();
    return reshape(y, x.shape, true);
  }
  static fromKeras(c: KerasConfig): Dropout {
    const noiseShape = (c.noise_shape ?? null) as (number | null)[] | null;
    return new Dropout({ ...common(c), rate: (c.rate ?? c.p) as number, seed: (c.seed as number | null) ?? null, noiseShape });
  }
  protected kerasConfig(): KerasConfig {
    return { rate: this.rate, noise_shape: this.noiseShape, seed: this.seed };
  }
}

export class SpatialDropout2D extends DropoutBase {
  readonly className = 'SpatialDropout2D';
  readonly dataFormat: string;
  constructor(args: DropoutArgs & { dataFormat?: string }) {
    super(args, 'spatial_dropout2d', true);
    this.dataFormat = args.dataFormat ?? 'channels_last';
  }
  static fromKeras(c: KerasConfig): SpatialDropout2D {
    return new SpatialDropout2D({ ...common(c), rate: (c.rate ?? c.p) as number, seed: (c.seed as number | null) ?? null, dataFormat: dataFormat(c) });
  }
  protected kerasConfig(): KerasConfig {
    return { rate: this.rate, noise_shape: null, seed: this.seed, data_format: this.dataFormat };
  }
}
