// Elementwise kernels: activations (forward and backward) and broadcasting binary ops.
import { dispatch, f32, grid1d } from '../gpu/dispatch.ts';
import { Tensor, shapeStr, type Shape } from '../graph/tensor.ts';
import { activationCode } from './activation.ts';

const UNARY = { shader: 'unary', inputs: 1, outputs: 1 };
const UNARY_BACKWARD = { shader: 'unary_backward', inputs: 3, outputs: 1 };
const BINARY = { shader: 'binary', inputs: 2, outputs: 1 };

const wg = (t: Tensor) => grid1d(t.device, Math.ceil(t.size / 256));

export function activation(x: Tensor, name: string, alpha = 0): Tensor {
  const y = Tensor.empty(x.shape, name);
  dispatch(UNARY, [x], [y], [x.size, activationCode(name), f32(alpha)], wg(x), `${name} ${shapeStr(x.shape)}`);
  return y;
}

/** dx = dy * f'(x) given the activation's input x and output y. */
export function activationBackward(x: Tensor, y: Tensor, dy: Tensor, name: string, alpha = 0): Tensor {
  const dx = Tensor.empty(x.shape, `${name}_grad`);
  dispatch(UNARY_BACKWARD, [x, y, dy], [dx], [x.size, activationCode(name), f32(alpha)], wg(x), `${name} backward ${shapeStr(x.shape)}`);
  return dx;
}

/** NumPy broadcasting of two shapes; throws naming the op when they do not broadcast. */
export function broadcastShapes(a: Shape, b: Shape, op = 'broadcast'): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(`${op}: shapes ${shapeStr(a)} and ${shapeStr(b)} do not broadcast`);
    }
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** Element strides of `shape` seen through the broadcast `out` shape (0 on repeated axes). */
function broadcastStrides(shape: Shape, out: Shape): number[] {
  const rank = out.length;
  const strides = new Array<number>(rank).fill(0);
  let s = 1;
  for (let i = rank - 1; i >= 0; i--) {
    const d = shape[shape.length - rank + i] ?? 1;
    strides[i] = d === 1 ? 0 : s;
    s *= d;
  }
  return strides;
}

const OPS = { add: 0, sub: 1, mul: 2, div: 3, maximum: 4, minimum: 5 } as const;
export type BinaryOp = keyof typeof OPS;

const pad8 = (v: number[]) => [...v, ...new Array(8 - v.length).fill(0)];

/** y = act(a (op) b) with broadcasting; `act` takes no parameter (linear, relu, relu6, ...). */
export function binary(op: BinaryOp, a: Tensor, b: Tensor, act = 'linear'): Tensor {
  const shape = broadcastShapes(a.shape, b.shape, op);
  if (shape.length > 8) throw new Error(`${op}: rank ${shape.length} exceeds 8`);
  const y = Tensor.empty(shape, op);
  const params = [
    y.size, shape.length, OPS[op], activationCode(act),
    ...pad8(shape.length ? shape : [1]),
    ...pad8(broadcastStrides(a.shape, shape)),
    ...pad8(broadcastStrides(b.shape, shape)),
  ];
  dispatch(BINARY, [a, b], [y], params, wg(y), `${op}${act === 'linear' ? '' : `+${act}`} ${shapeStr(a.shape)} ${shapeStr(b.shape)}`);
  return y;
}

export const add = (a: Tensor, b: Tensor): Tensor => binary('add', a, b);
export const sub = (a: Tensor, b: Tensor): Tensor => binary('sub', a, b);
export const mul = (a: Tensor, b: Tensor): Tensor => binary('mul', a, b);
export const div = (a: Tensor, b: Tensor): Tensor => binary('div', a, b);
export const maximum = (a: Tensor, b: Tensor): Tensor => binary('maximum', a, b);
export const minimum = (a: Tensor, b: Tensor): Tensor => binary('minimum', a, b);
