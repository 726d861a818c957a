// Keras's geometric augmentation layers (tf.keras 2.x preprocessing): RandomFlip,
// RandomRotation, RandomZoom, RandomTranslation and RandomCrop. Each draws one transform per image
// (Keras's get_rotation_matrix / get_zoom_matrix / get_translation_matrix, output -> input pixel
// coordinates) and resamples on the GPU in one kernel (wgsl/augment_affine.wgsl: bilinear or
// nearest, fill modes reflect/wrap/constant/nearest as TF's ImageProjectiveTransformV3).
// Identity outside training, except RandomCrop, which center-crops (Keras 2.4-2.8).
import { affineResample, FILL_MODES, type FillMode, type Interpolation } from '../../kernels/augment.ts';
import type { KerasConfig } from '../layer.ts';
import type { Shape, Tensor } from '../tensor.ts';
import { common } from './args.ts';
import { factorRange, RandomLayer, type RandomLayerArgs } from './random-base.ts';

const uniform = (rng: () => number, [lo, hi]: [number, number]) => lo + (hi - lo) * rng();

interface ResampleArgs extends RandomLayerArgs {
  fillMode?: FillMode;
  fillValue?: number;
  interpolation?: Interpolation;
}

abstract class ResampleLayer extends RandomLayer {
  readonly fillMode: FillMode;
  readonly fillValue: number;
  readonly interpolation: Interpolation;
  constructor(args: ResampleArgs, base: string) {
    super(args, base);
    this.fillMode = args.fillMode ?? 'reflect';
    this.fillValue = args.fillValue ?? 0;
    this.interpolation = args.interpolation ?? 'bilinear';
    if (!FILL_MODES.includes(this.fillMode)) throw new Error(`layer ${this.name} (${new.target.name}): fill_mode '${this.fillMode}' is not one of ${FILL_MODES.join(', ')}`);
    if (!['bilinear', 'nearest'].includes(this.interpolation)) throw new Error(`layer ${this.name} (${new.target.name}): interpolation '${this.interpolation}' is not bilinear or nearest`);
  }
  /** The 8 transform values of one image of size h x w. */
  protected abstract transform(rng: () => number, h: number, w: number): number[];
  protected augment(x: Tensor, rng: () => number): Tensor {
    const [n, h, w] = x.shape;
    const t = new Float32Array(n * 8);
    for (let i = 0; i < n; i++) t.set(this.transform(rng, h, w), i * 8);
    return affineResample(x, t, { interpolation: this.interpolation, fillMode: this.fillMode, fillValue: this.fillValue });
  }
  protected resampleConfig(): KerasConfig {
    return { ...this.baseConfig(), fill_mode: this.fillMode, fill_value: this.fillValue, interpolation: this.interpolation };
  }
}

const resampleArgs = (c: KerasConfig): ResampleArgs => ({
  ...common(c),
  seed: (c.seed as number | null) ?? null,
  fillMode: (c.fill_mode as FillMode) ?? 'reflect',
  fillValue: (c.fill_value as number) ?? 0,
  interpolation: (c.interpolation as Interpolation) ?? 'bilinear',
});

export type FlipMode = 'horizontal' | 'vertical' | 'horizontal_and_vertical';

/** Flips each image left-right and/or up-down with probability 1/2 (exact: whole pixels). */
export class RandomFlip extends RandomLayer {
  readonly className = 'RandomFlip';
  readonly mode: FlipMode;
  constructor(args: RandomLayerArgs & { mode?: FlipMode } = {}) {
    super(args, 'random_flip');
    this.mode = args.mode ?? 'horizontal_and_vertical';
    if (!['horizontal', 'vertical', 'horizontal_and_vertical'].includes(this.mode)) throw new Error(`layer ${this.name} (RandomFlip): mode '${this.mode}' is not horizontal, vertical or horizontal_and_vertical`);
  }
  static fromKeras(c: KerasConfig): RandomFlip {
    return new RandomFlip({ ...common(c), seed: (c.seed as number | null) ?? null, mode: (c.mode as FlipMode) ?? 'horizontal_and_vertical' });
  }
  protected augment(x: Tensor, rng: () => number): Tensor {
    const [n, h, w] = x.shape;
    const t = new Float32Array(n * 8);
    for (let i = 0; i < n; i++) {
      const fh = this.mode !== 'vertical' && rng() < 0.5;
      const fv = this.mode !== 'horizontal' && rng() < 0.5;
      t.set([fh ? -1 : 1, 0, fh ? w - 1 : 0, 0, fv ? -1 : 1, fv ? h - 1 : 0, 0, 0], i * 8);
    }
    return affineResample(x, t, { interpolation: 'nearest', fillMode: 'nearest' });
  }
  protected kerasConfig(): KerasConfig {
    return { ...this.baseConfig(), mode: this.mode };
  }
}

/** Rotates by factor * 2pi radians (uniform in the factor range) about the image centre. */
export class RandomRotation extends ResampleLayer {
  readonly className = 'RandomRotation';
  readonly factor: [number, number];
  private readonly rawFactor: number | [number, number];
  constructor(args: ResampleArgs & { factor: number | [number, number] }) {
    super(args, 'random_rotation');
    this.rawFactor = args.factor;
    this.factor = factorRange(args.factor, `layer ${this.name} (RandomRotation)`);
  }
  static fromKeras(c: KerasConfig): RandomRotation {
    return new RandomRotation({ ...resampleArgs(c), factor: c.factor as number });
  }
  protected transform(rng: () => number, h: number, w: number): number[] {
    const a = uniform(rng, this.factor) * 2 * Math.PI;
    const [cos, sin] = [Math.cos(a), Math.sin(a)];
    const xo = (w - 1 - (cos * (w - 1) - sin * (h - 1))) / 2;
    const yo = (h - 1 - (sin * (w - 1) + cos * (h - 1))) / 2;
    return [cos, -sin, xo, sin, cos, yo, 0, 0];
  }
  protected kerasConfig(): KerasConfig {
    return { ...this.resampleConfig(), factor: this.rawFactor };
  }
}

/** Zooms by 1 + uniform(height_factor) (width the same unless width_factor): positive zooms out. */
export class RandomZoom extends ResampleLayer {
  readonly className = 'RandomZoom';
  readonly heightFactor: [number, number];
  readonly widthFactor: [number, number] | null;
  private readonly raw: [unknown, unknown];
  constructor(args: ResampleArgs & { heightFactor: number | [number, number]; widthFactor?: number | [number, number] | null }) {
    super(args, 'random_zoom');
    this.raw = [args.heightFactor, args.widthFactor ?? null];
    this.heightFactor = factorRange(args.heightFactor, `layer ${this.name} (RandomZoom)`);
    this.widthFactor = args.widthFactor === undefined || args.widthFactor === null ? null : factorRange(args.widthFactor, `layer ${this.name} (RandomZoom)`);
  }
  static fromKeras(c: KerasConfig): RandomZoom {
    return new RandomZoom({ ...resampleArgs(c), heightFactor: c.height_factor as number, widthFactor: (c.width_factor as number | null) ?? null });
  }
  protected transform(rng: () => number, h: number, w: number): number[] {
    const zy = 1 + uniform(rng, this.heightFactor);
    const zx = this.widthFactor ? 1 + uniform(rng, this.widthFactor) : zy;
    return [zx, 0, ((w - 1) / 2) * (1 - zx), 0, zy, ((h - 1) / 2) * (1 - zy), 0, 0];
  }
  protected kerasConfig(): KerasConfig {
    return { ...this.resampleConfig(), height_factor: this.raw[0], width_factor: this.raw[1] };
  }
}

/** Shifts by uniform(height_factor) * H and uniform(width_factor) * W pixels. */
export class RandomTranslation extends ResampleLayer {
  readonly className = 'RandomTranslation';
  readonly heightFactor: [number, number];
  readonly widthFactor: [number, number];
  private readonly raw: [unknown, unknown];
  constructor(args: ResampleArgs & { heightFactor: number | [number, number]; widthFactor: number | [number, number] }) {
    super(args, 'random_translation');
    this.raw = [args.heightFactor, args.widthFactor];
    this.heightFactor = factorRange(args.heightFactor, `layer ${this.name} (RandomTranslation)`);
    this.widthFactor = factorRange(args.widthFactor, `layer ${this.name} (RandomTranslation)`);
  }
  static fromKeras(c: KerasConfig): RandomTranslation {
    return new RandomTranslation({ ...resampleArgs(c), heightFactor: c.height_factor as number, widthFactor: c.width_factor as number });
  }
  protected transform(rng: () => number, h: number, w: number): number[] {
    const dy = uniform(rng, this.heightFactor) * h;
    const dx = uniform(rng, this.widthFactor) * w;
    return [1, 0, -dx, 0, 1, -dy, 0, 0];
  }
  protected kerasConfig(): KerasConfig {
    return { ...this.resampleConfig(), height_factor: this.raw[0], width_factor: this.raw[1] };
  }
}

/** A random height x width window in training (integer offsets), the centred one otherwise. */
export class RandomCrop extends RandomLayer {
  readonly className = 'RandomCrop';
  readonly height: number;
  readonly width: number;
  constructor(args: RandomLayerArgs & { height: number; width: number }) {
    super(args, 'random_crop');
    this.height = args.height;
    this.width = args.width;
    if (!(Number.isInteger(this.height) && this.height > 0 && Number.isInteger(this.width) && this.width > 0)) {
      throw new Error(`layer ${this.name} (RandomCrop): height and width must be positive integers, got ${args.height}, ${args.width}`);
    }
  }
  static fromKeras(c: KerasConfig): RandomCrop {
    return new RandomCrop({ ...common(c), seed: (c.seed as number | null) ?? null, height: c.height as number, width: c.width as number });
  }
  computeOutputShape([s]: Shape[]): Shape {
    if (s.length !== 3) throw new Error(`layer ${this.name} (RandomCrop): expects [H,W,C] inputs, got [${s}]`);
    if (s[0] < this.height || s[1] < this.width) throw new Error(`layer ${this.name} (RandomCrop): a ${this.height}x${this.width} crop does not fit input [${s}]`);
    return [this.height, this.width, s[2]];
  }
  private crop(x: Tensor, offsets: (h: number, w: number) => [number, number]): Tensor {
    const [n, h, w] = x.shape;
    const t = new Float32Array(n * 8);
    for (let i = 0; i < n; i++) {
      const [dy, dx] = offsets(h, w);
      t.set([1, 0, dx, 0, 1, dy, 0, 0], i * 8);
    }
    return affineResample(x, t, { outHeight: this.height, outWidth: this.width, interpolation: 'nearest', fillMode: 'nearest' });
  }
  protected inference(x: Tensor): Tensor {
    return this.crop(x, (h, w) => [Math.floor((h - this.height) / 2), Math.floor((w - this.width) / 2)]);
  }
  protected augment(x: Tensor, rng: () => number): Tensor {
    return this.crop(x, (h, w) => [Math.floor(rng() * (h - this.height + 1)), Math.floor(rng() * (w - this.width + 1))]);
  }
  protected kerasConfig(): KerasConfig {
    return { ...this.baseConfig(), height: this.height, width: this.width };
  }
}
