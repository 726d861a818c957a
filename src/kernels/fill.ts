// fill(shape, value): a new tensor with every element equal to value.
import { dispatch, f32, grid1d } from '../gpu/dispatch.ts';
import { Tensor, type Shape } from '../graph/tensor.ts';

const FILL = { shader: 'fill', inputs: 0, outputs: 1 };

export function fillInto(y: Tensor, value: number): Tensor {
  dispatch(FILL, [], [y], [y.size, f32(value)], grid1d(y.device, Math.ceil(y.size / 256)), `fill ${y.size}`);
  return y;
}

export function fill(shape: Shape, value: number): Tensor {
  return fillInto(Tensor.empty(shape, 'fill'), value);
}

export const zeros = (shape: Shape): Tensor => fill(shape, 0);
export const ones = (shape: Shape): Tensor => fill(shape, 1);
