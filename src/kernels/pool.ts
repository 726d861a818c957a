// 2-D max and average pooling over NHWC tensors with TF's 'same'/'valid' geometry, and their
// backward passes (gathers: each input element collects from the windows that cover it).
import { dispatch, grid1d } from '../gpu/dispatch.ts';
import { Tensor, shapeStr } from '../graph/tensor.ts';

const MAX = { shader: 'pool_max', inputs: 1, outputs: 2 };
const MAX_BACKWARD = { shader: 'pool_max_backward', inputs: 2, outputs: 1 };
const AVG = { shader: 'pool_avg', inputs: 1, outputs: 1 };
const AVG_BACKWARD = { shader: 'pool_avg_backward', inputs: 1, outputs: 1 };

export type Padding = 'same' | 'valid';

export interface PoolGeometry {
  n: number; h: number; w: number; c: number;
  oh: number; ow: number;
  ph: number; pw: number; sh: number; sw: number;
  /** Rows/columns of padding before the input (TF puts the odd one after). */
  pt: number; pl: number;
}

/** Output size and leading padding of one axis, TF rules. */
export function poolAxis(size: number, k: number, s: number, padding: Padding): [number, number] {
  if (padding === 'valid') return [Math.max(0, Math.floor((size - k) / s) + 1), 0];
  const out = Math.ceil(size / s);
  const total = Math.max((out - 1) * s + k - size, 0);
  return [out, Math.floor(total / 2)];
}

export function poolGeometry(shape: readonly number[], pool: [number, number], strides: [number, number], padding: Padding, op = 'pool2d'): PoolGeometry {
  if (shape.length !== 4) throw new Error(`${op}: expects an NHWC input, got ${shapeStr(shape)}`);
  const [n, h, w, c] = shape;
  const [ph, pw] = pool;
  const [sh, sw] = strides;
  if (![ph, pw, sh, sw].every((v) => Number.isInteger(v) && v >= 1)) {
    throw new Error(`${op}: pool size ${pool} and strides ${strides} must be positive integers`);
  }
  if (padding !== 'same' && padding !== 'valid') throw new Error(`${op}: unknown padding '${padding}'`);
  const [oh, pt] = poolAxis(h, ph, sh, padding);
  const [ow, pl] = poolAxis(w, pw, sw, padding);
  if (oh === 0 || ow === 0) {
    throw new Error(`${op}: pool ${ph}x${pw} with 'valid' padding does not fit input ${shapeStr(shape)}`);
  }
  return { n, h, w, c, oh, ow, ph, pw, sh, sw, pt, pl };
}

const params = (g: PoolGeometry) => [g.n, g.h, g.w, g.c, g.oh, g.ow, g.ph, g.pw, g.sh, g.sw, g.pt, g.pl];
const label = (op: string, g: PoolGeometry) => `${op} ${g.n}x${g.h}x${g.w}x${g.c} pool ${g.ph}x${g.pw} stride ${g.sh}x${g.sw}`;

/** Max pooling; also returns each output's winning window offset (for maxPoolBackward). */
export function maxPool(x: Tensor, g: PoolGeometry): { y: Tensor; arg: Tensor } {
  const shape = [g.n, g.oh, g.ow, g.c];
  const y = Tensor.empty(shape, 'max_pool');
  const arg = Tensor.empty(shape, 'max_pool_arg');
  dispatch(MAX, [x], [y, arg], params(g), grid1d(x.device, Math.ceil(y.size / 256)), label('max_pool', g));
  return { y, arg };
}

export function maxPoolBackward(dy: Tensor, arg: Tensor, g: PoolGeometry): Tensor {
  const dx = Tensor.empty([g.n, g.h, g.w, g.c], 'max_pool_grad');
  dispatch(MAX_BACKWARD, [dy, arg], [dx], params(g), grid1d(dy.device, Math.ceil(dx.size / 256)), label('max_pool backward', g));
  return dx;
}

export function avgPool(x: Tensor, g: PoolGeometry): Tensor {
  const y = Tensor.empty([g.n, g.oh, g.ow, g.c], 'avg_pool');
  dispatch(AVG, [x], [y], params(g), grid1d(x.device, Math.ceil(y.size / 256)), label('avg_pool', g));
  return y;
}

export function avgPoolBackward(dy: Tensor, g: PoolGeometry): Tensor {
  const dx = Tensor.empty([g.n, g.h, g.w, g.c], 'avg_pool_grad');
  dispatch(AVG_BACKWARD, [dy], [dx], params(g), grid1d(dy.device, Math.ceil(dx.size / 256)), label('avg_pool backward', g));
  return dx;
}
