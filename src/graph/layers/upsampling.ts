// Keras UpSampling2D (nearest, bilinear) and UpSampling3D on NHWC. Keras applies UpSampling3D to a
// 4-D tensor through K.resize_volumes, repeating its three trailing axes: H, W and C.
import { resizeBilinear2d, upsampleNearest2d } from '../ops/shape.ts';
import { Layer, type CallContext, type KerasConfig, type LayerArgs } from '../layer.ts';
import { shapeStr, type Shape, type Tensor } from '../tensor.ts';
import { common, dataFormat, expect3d, pair, type Pair } from './args.ts';

export interface UpSampling2DArgs extends LayerArgs {
  size?: Pair | number;
  interpolation?: 'nearest' | 'bilinear';
  /**
   * Bilinear sampling positions. Keras 2.2-2.3 (K.resize_images -> tf.image.resize_bilinear)
   * samples at src = dst * in/out (half_pixel_centers=False), the default here; tf.keras in
   * TF >= 2.0 calls resize_images_v2, which uses half-pixel centres: set true for those models.
   */
  halfPixelCenters?: boolean;
  dataFormat?: string;
}

export class UpSampling2D extends Layer {
  readonly className = 'UpSampling2D';
  readonly size: Pair;
  readonly interpolation: 'nearest' | 'bilinear';
  readonly halfPixelCenters: boolean;
  readonly dataFormat: string;
  constructor(args: UpSampling2DArgs = {}) {
    super(args, 'up_sampling2d');
    this.size = pair(args.size, [2, 2], 'UpSampling2D size');
    this.interpolation = args.interpolation ?? 'nearest';
    if (this.interpolation !== 'nearest' && this.interpolation !== 'bilinear') {
      throw new Error(`layer ${this.name} (UpSampling2D): unknown interpolation '${this.interpolation}' (nearest, bilinear)`);
    }
    this.halfPixelCenters = args.halfPixelCenters ?? false;
    this.dataFormat = args.dataFormat ?? 'channels_last';
  }
  static fromKeras(c: KerasConfig): UpSampling2D {
    return new UpSampling2D({ ...common(c), size: c.size as Pair, interpolation: (c.interpolation as 'nearest') ?? 'nearest', dataFormat: dataFormat(c) });
  }
  computeOutputShape([s]: Shape[]): Shape {
    expect3d(this, s);
    return [s[0] * this.size[0], s[1] * this.size[1], s[2]];
  }
  call([x]: Tensor[], _ctx: CallContext): Tensor {
    const [sh, sw] = this.size;
    if (this.interpolation === 'nearest') return upsampleNearest2d(x, sh, sw);
    return resizeBilinear2d(x, x.shape[1] * sh, x.shape[2] * sw, this.halfPixelCenters);
  }
  protected kerasConfig(): KerasConfig {
    return { size: this.size, data_format: this.dataFormat, interpolation: this.interpolation };
  }
}

/** Keras UpSampling3D; on a 4-D NHWC tensor it repeats H, W and C by size[0..2] (K.resize_volumes). */
export class UpSampling3D extends Layer {
  readonly className = 'UpSampling3D';
  readonly size: [number, number, number];
  readonly dataFormat: string;
  constructor(args: LayerArgs & { size?: number | [number, number, number]; dataFormat?: string } = {}) {
    super(args, 'up_sampling3d');
    const s = args.size ?? 2;
    this.size = typeof s === 'number' ? [s, s, s] : [s[0], s[1], s[2]];
    if (!this.size.every((v) => Number.isInteger(v) && v >= 1)) throw new Error(`layer ${this.name} (UpSampling3D): bad size ${JSON.stringify(s)}`);
    this.dataFormat = args.dataFormat ?? 'channels_last';
  }
  static fromKeras(c: KerasConfig): UpSampling3D {
    return new UpSampling3D({ ...common(c), size: c.size as [number, number, number], dataFormat: dataFormat(c) });
  }
  computeOutputShape([s]: Shape[]): Shape {
    if (s.length !== 3) throw new Error(`layer ${this.name} (UpSampling3D): only 4-D inputs ([h, w, c] without batch) are supported, got ${shapeStr(s)}`);
    return [s[0] * this.size[0], s[1] * this.size[1], s[2] * this.size[2]];
  }
  call([x]: Tensor[], _ctx: CallContext): Tensor {
    if (x.rank !== 4) throw new Error(`layer ${this.name} (UpSampling3D): only 4-D inputs are supported, got ${shapeStr(x.shape)}`);
    return upsampleNearest2d(x, this.size[0], this.size[1], this.size[2]);
  }
  protected kerasConfig(): KerasConfig {
    return { size: this.size, data_format: this.dataFormat };
  }
}
