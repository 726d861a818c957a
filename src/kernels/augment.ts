// Per-image projective resampling (wgsl/augment_affine.wgsl): the GPU half of Keras's random
// geometric augmentation layers. No gradient: these layers sit in front of the model.
import { dispatch, f32, grid1d } from '../gpu/dispatch.ts';
import { Tensor, shapeStr } from '../graph/tensor.ts';

const AFFINE = { shader: 'augment_affine', inputs: 2, outputs: 1 };

export const FILL_MODES = ['reflect', 'wrap', 'constant', 'nearest'] as const;
export type FillMode = (typeof FILL_MODES)[number];
export type Interpolation = 'nearest' | 'bilinear';

/** x [N,H,W,C]; transforms: 8 values per image (a0 a1 a2 b0 b1 b2 c0 c1, output -> input). */
export function affineResample(
  x: Tensor,
  transforms: Float32Array,
  o: { outHeight?: number; outWidth?: number; interpolation?: Interpolation; fillMode?: FillMode; fillValue?: number } = {},
): Tensor {
  if (x.rank !== 4) throw new Error(`augment: expects an NHWC batch, got ${shapeStr(x.shape)}`);
  const [n, h, w, c] = x.shape;
  if (transforms.length !== n * 8) throw new Error(`augment: ${n} images need ${n * 8} transform values, got ${transforms.length}`);
  const oh = o.outHeight ?? h;
  const ow = o.outWidth ?? w;
  const fill = FILL_MODES.indexOf(o.fillMode ?? 'reflect');
  if (fill < 0) throw new Error(`augment: fill_mode '${o.fillMode}' is not one of ${FILL_MODES.join(', ')}`);
  const t = Tensor.from(transforms, [n, 8], 'augment_transforms');
  const y = Tensor.empty([n, oh, ow, c], 'augment');
  const total = n * oh * ow * c;
  dispatch(
    AFFINE,
    [x, t],
    [y],
    [total, h, w, c, oh, ow, o.interpolation === 'nearest' ? 0 : 1, fill, f32(o.fillValue ?? 0)],
    grid1d(x.device, Math.ceil(total / 256)),
    `augment_affine ${shapeStr(x.shape)}`,
  );
  t.dispose();
  return y;
}
