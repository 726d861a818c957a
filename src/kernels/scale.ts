// y = a * x + b with scalars a and b (scaling, negation, adding a constant).
import { dispatch, f32, grid1d } from '../gpu/dispatch.ts';
import { Tensor, shapeStr } from '../graph/tensor.ts';

const SCALE = { shader: 'scale', inputs: 1, outputs: 1 };

export function affine(x: Tensor, a: number, b: number): Tensor {
  const y = Tensor.empty(x.shape, 'scale');
  dispatch(SCALE, [x], [y], [x.size, f32(a), f32(b)], grid1d(x.device, Math.ceil(x.size / 256)), `scale ${shapeStr(x.shape)}`);
  return y;
}

export const scaleBy = (x: Tensor, a: number): Tensor => affine(x, a, 0);
export const addScalar = (x: Tensor, b: number): Tensor => affine(x, 1, b);
