// Differentiable shape ops: reshape (a view), zero padding and cropping of NHWC, concatenation
// along any axis, and nearest/bilinear upsampling.
import { copySlab, shift2d } from '../../kernels/pad.ts';
import { resizeBilinear, resizeBilinearBackward, upsampleNearest, upsampleNearestBackward } from '../../kernels/upsample.ts';
import { record } from '../tape.ts';
import { Tensor, shapeStr } from '../tensor.ts';

/** A view with another shape (-1 inferred); gradients flow back reshaped. `consume` disposes x's handle. */
export function reshape(x: Tensor, shape: readonly number[], consume = false): Tensor {
  const y = x.reshape(shape);
  const xShape = x.shape;
  const out = record('reshape', [x], y, [], (dy) => [dy.reshape(xShape)]);
  if (consume) x.dispose();
  return out;
}

/** Zero padding of H and W: [top, bottom, left, right]. */
export function pad2d(x: Tensor, [top, bottom, left, right]: readonly number[]): Tensor {
  if (x.rank !== 4) throw new Error(`zero_padding2d: expects an NHWC input, got ${shapeStr(x.shape)}`);
  const [, h, w] = x.shape;
  const y = shift2d(x, h + top + bottom, w + left + right, top, left, 'zero_padding2d');
  return record('zero_padding2d', [x], y, [], (dy) => [shift2d(dy, h, w, -top, -left, 'zero_padding2d backward')]);
}

/** Cropping of H and W: [top, bottom, left, right]. */
export function crop2d(x: Tensor, [top, bottom, left, right]: readonly number[]): Tensor {
  if (x.rank !== 4) throw new Error(`cropping2d: expects an NHWC input, got ${shapeStr(x.shape)}`);
  const [, h, w] = x.shape;
  if (top + bottom >= h || left + right >= w) {
    throw new Error(`cropping2d: cropping ${top},${bottom},${left},${right} leaves nothing of ${shapeStr(x.shape)}`);
  }
  const y = shift2d(x, h - top - bottom, w - left - right, -top, -left, 'cropping2d');
  return record('cropping2d', [x], y, [], (dy) => [shift2d(dy, h, w, top, left, 'cropping2d backward')]);
}

/** Concatenation along `axis` (negative counts from the end); other dimensions must agree. */
export function concat(xs: Tensor[], axis = -1): Tensor {
  if (xs.length === 0) throw new Error('concatenate: no inputs');
  const rank = xs[0].rank;
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new Error(`concatenate: axis ${axis} out of range for rank ${rank}`);
  for (const x of xs) {
    if (x.rank !== rank || x.shape.some((d, i) => i !== a && d !== xs[0].shape[i])) {
      throw new Error(`concatenate: shapes ${xs.map((t) => shapeStr(t.shape)).join(', ')} differ outside axis ${axis}`);
    }
  }
  const shape = [...xs[0].shape];
  shape[a] = xs.reduce((s, x) => s + x.shape[a], 0);
  const y = Tensor.empty(shape, 'concatenate');
  const offsets: number[] = [];
  let off = 0;
  for (const x of xs) {
    offsets.push(off);
    copySlab(x, y, a, x.shape[a], 0, off);
    off += x.shape[a];
  }
  return record('concatenate', xs, y, [], (dy, _s, needs) =>
    xs.map((x, i) => {
      if (!needs[i]) return null;
      const g = Tensor.empty(x.shape, 'concatenate_grad');
      copySlab(dy, g, a, x.shape[a], offsets[i], 0);
      return g;
    }),
  );
}

/** Nearest upsampling by integer factors of H, W and (UpSampling3D on 4-D) C. */
export function upsampleNearest2d(x: Tensor, sh: number, sw: number, sc = 1): Tensor {
  const y = upsampleNearest(x, sh, sw, sc);
  const xShape = x.shape;
  return record('upsampling', [x], y, [], (dy) => [upsampleNearestBackward(dy, xShape, sh, sw, sc)]);
}

/** Bilinear resize to oh x ow (TF rules; halfPixel as tf.image.resize in TF2, else the TF1 default). */
export function resizeBilinear2d(x: Tensor, oh: number, ow: number, halfPixel = false): Tensor {
  const y = resizeBilinear(x, oh, ow, halfPixel);
  const xShape = x.shape;
  return record('resize_bilinear', [x], y, [], (dy) => [resizeBilinearBackward(dy, xShape, halfPixel)]);
}
