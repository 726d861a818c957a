// Keras's ReLU layer function, K.relu(x, negative_slope, max_value, threshold), and its backward.
import { dispatch, f32, grid1d } from '../gpu/dispatch.ts';
import { Tensor, shapeStr } from '../graph/tensor.ts';

const RELU_EXT = { shader: 'relu_ext', inputs: 1, outputs: 1 };
const RELU_EXT_BACKWARD = { shader: 'relu_ext_backward', inputs: 2, outputs: 1 };

export interface ReluOptions {
  maxValue?: number | null;
  negativeSlope?: number;
  threshold?: number;
}

const params = (n: number, o: ReluOptions) => [
  n,
  o.maxValue == null ? 0 : 1,
  f32(o.maxValue ?? 0),
  f32(o.negativeSlope ?? 0),
  f32(o.threshold ?? 0),
];

export function reluExt(x: Tensor, o: ReluOptions): Tensor {
  const y = Tensor.empty(x.shape, 'relu');
  dispatch(RELU_EXT, [x], [y], params(x.size, o), grid1d(x.device, Math.ceil(x.size / 256)), `relu ${shapeStr(x.shape)}`);
  return y;
}

export function reluExtBackward(x: Tensor, dy: Tensor, o: ReluOptions): Tensor {
  const dx = Tensor.empty(x.shape, 'relu_grad');
  dispatch(RELU_EXT_BACKWARD, [x, dy], [dx], params(x.size, o), grid1d(x.device, Math.ceil(x.size / 256)), `relu backward ${shapeStr(x.shape)}`);
  return dx;
}
