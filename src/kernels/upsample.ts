// Upsampling of NHWC tensors: nearest by integer factors (the channel axis too, for Keras's
// UpSampling3D on 4-D tensors) and bilinear with TF's resize rules; backward passes as gathers.
import { dispatch, f32, grid1d } from '../gpu/dispatch.ts';
import { Tensor, shapeStr } from '../graph/tensor.ts';

const NEAREST = { shader: 'upsample_nearest', inputs: 1, outputs: 1 };
const NEAREST_BACKWARD = { shader: 'upsample_nearest_backward', inputs: 1, outputs: 1 };
const BILINEAR = { shader: 'upsample_bilinear', inputs: 1, outputs: 1 };
const BILINEAR_BACKWARD = { shader: 'upsample_bilinear_backward', inputs: 1, outputs: 1 };

function check4d(x: Tensor | readonly number[], op: string): readonly number[] {
  const shape = 'shape' in x ? x.shape : x;
  if (shape.length !== 4) throw new Error(`${op}: expects an NHWC input, got ${shapeStr(shape)}`);
  return shape;
}

/** y[b, oy, ox, oc] = x[b, oy / sh, ox / sw, oc / sc]. */
export function upsampleNearest(x: Tensor, sh: number, sw: number, sc = 1): Tensor {
  const [n, h, w, c] = check4d(x, 'upsample_nearest');
  const y = Tensor.empty([n, h * sh, w * sw, c * sc], 'upsample');
  dispatch(NEAREST, [x], [y], [n, h, w, c, sh, sw, sc], grid1d(x.device, Math.ceil(y.size / 256)), `upsample nearest ${shapeStr(x.shape)} x${sh},${sw},${sc}`);
  return y;
}

export function upsampleNearestBackward(dy: Tensor, xShape: readonly number[], sh: number, sw: number, sc = 1): Tensor {
  const [n, h, w, c] = check4d(xShape, 'upsample_nearest backward');
  const dx = Tensor.empty(xShape, 'upsample_grad');
  dispatch(NEAREST_BACKWARD, [dy], [dx], [n, h, w, c, sh, sw, sc], grid1d(dy.device, Math.ceil(dx.size / 256)), `upsample nearest backward ${shapeStr(xShape)}`);
  return dx;
}

const bilinearParams = (s: readonly number[], oh: number, ow: number, halfPixel: boolean) =>
  [s[0], s[1], s[2], s[3], oh, ow, halfPixel ? 1 : 0, f32(s[1] / oh), f32(s[2] / ow)];

/** Bilinear resize to oh x ow; halfPixel=false is tf.image.resize_bilinear's default (Keras 2.2-2.3). */
export function resizeBilinear(x: Tensor, oh: number, ow: number, halfPixel = false): Tensor {
  const s = check4d(x, 'resize_bilinear');
  const y = Tensor.empty([s[0], oh, ow, s[3]], 'resize_bilinear');
  dispatch(BILINEAR, [x], [y], bilinearParams(s, oh, ow, halfPixel), grid1d(x.device, Math.ceil(y.size / 256)), `resize bilinear ${shapeStr(s)} -> ${oh}x${ow}`);
  return y;
}

export function resizeBilinearBackward(dy: Tensor, xShape: readonly number[], halfPixel = false): Tensor {
  const s = check4d(xShape, 'resize_bilinear backward');
  const dx = Tensor.empty(xShape, 'resize_bilinear_grad');
  dispatch(BILINEAR_BACKWARD, [dy], [dx], bilinearParams(s, dy.shape[1], dy.shape[2], halfPixel), grid1d(dy.device, Math.ceil(dx.size / 256)), `resize bilinear backward ${shapeStr(xShape)}`);
  return dx;
}
