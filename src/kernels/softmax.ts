// Softmax over the last axis (forward from logits, backward from its output) and argmax over the
// last axis. Tensors of any rank are seen as [rows, last].
import { dispatch, grid1d } from '../gpu/dispatch.ts';
import { Tensor, shapeStr } from '../graph/tensor.ts';

const SOFTMAX = { shader: 'softmax', inputs: 1, outputs: 1 };
const SOFTMAX_BACKWARD = { shader: 'softmax_backward', inputs: 2, outputs: 1 };
const ARGMAX = { shader: 'argmax', inputs: 1, outputs: 1 };

/** [rows, cols] of a tensor seen over its last axis; throws naming the op for scalars/empties. */
export function rowsCols(x: Tensor, op: string): [number, number] {
  if (x.rank < 1 || x.size === 0) throw new Error(`${op}: needs a non-empty tensor with a last axis, got ${shapeStr(x.shape)}`);
  const cols = x.shape[x.rank - 1];
  return [x.size / cols, cols];
}

const rowGroups = (x: Tensor, rows: number) => grid1d(x.device, Math.ceil(rows / 256));

export function softmax(x: Tensor): Tensor {
  const [rows, cols] = rowsCols(x, 'softmax');
  const y = Tensor.empty(x.shape, 'softmax');
  dispatch(SOFTMAX, [x], [y], [rows, cols], rowGroups(x, rows), `softmax ${shapeStr(x.shape)}`);
  return y;
}

/** dx = y * (dy - sum(dy * y)) over the last axis, from softmax's output y. */
export function softmaxBackward(y: Tensor, dy: Tensor): Tensor {
  const [rows, cols] = rowsCols(y, 'softmax backward');
  if (dy.size !== y.size) throw new Error(`softmax backward: dy ${shapeStr(dy.shape)} does not match y ${shapeStr(y.shape)}`);
  const dx = Tensor.empty(y.shape, 'softmax_grad');
  dispatch(SOFTMAX_BACKWARD, [y, dy], [dx], [rows, cols], rowGroups(y, rows), `softmax backward ${shapeStr(y.shape)}`);
  return dx;
}

/** Index of the largest value along the last axis (first on ties), as float32, shape without it. */
export function argmax(x: Tensor): Tensor {
  const [rows, cols] = rowsCols(x, 'argmax');
  const y = Tensor.empty(x.shape.slice(0, -1), 'argmax');
  dispatch(ARGMAX, [x], [y], [rows, cols], rowGroups(x, rows), `argmax ${shapeStr(x.shape)}`);
  return y;
}
