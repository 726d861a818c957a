// Reductions over axes (sum, mean, max, min), and sumToShape for the backward of broadcasts.
import { dispatch, grid1d } from '../gpu/dispatch.ts';
import { Tensor, shapeStr, sizeOf, type Shape } from '../graph/tensor.ts';

const REDUCE = { shader: 'reduce', inputs: 1, outputs: 1 };
const CODES = { sum: 0, mean: 1, max: 2, min: 3 } as const;
export type ReduceOp = keyof typeof CODES;

/** Reduces one contiguous run of axes [from, to) of x. */
function reduceRun(op: ReduceOp, x: Tensor, from: number, to: number): Tensor {
  const outer = sizeOf(x.shape.slice(0, from));
  const reduced = sizeOf(x.shape.slice(from, to));
  const inner = sizeOf(x.shape.slice(to));
  const shape = [...x.shape.slice(0, from), ...new Array(to - from).fill(1), ...x.shape.slice(to)];
  const y = Tensor.empty(shape, op);
  dispatch(REDUCE, [x], [y], [outer, reduced, inner, CODES[op]], grid1d(x.device, Math.ceil((outer * inner) / 256)), `${op} ${shapeStr(x.shape)} axes ${from}..${to - 1}`);
  return y;
}

/**
 * Reduces x over `axes` (all axes when omitted). With keepDims the reduced axes stay as 1s,
 * otherwise they are dropped.
 */
export function reduce(op: ReduceOp, x: Tensor, axes?: number[], keepDims = false): Tensor {
  const rank = x.shape.length;
  const set = new Set((axes ?? x.shape.map((_, i) => i)).map((a) => (a < 0 ? a + rank : a)));
  for (const a of set) if (a < 0 || a >= rank) throw new Error(`${op}: axis ${a} out of range for ${shapeStr(x.shape)}`);
  let cur = x;
  let i = 0;
  while (i < rank) {
    if (!set.has(i)) {
      i++;
      continue;
    }
    let j = i;
    while (j < rank && set.has(j)) j++;
    const next = reduceRun(op === 'mean' ? 'sum' : op, cur, i, j);
    if (cur !== x) cur.dispose();
    cur = next;
    i = j;
  }
  if (cur === x) cur = x.view();
  if (op === 'mean') {
    const n = sizeOf([...set].map((a) => x.shape[a]));
    const scaled = scaleBy(cur, 1 / n);
    cur.dispose();
    cur = scaled;
  }
  if (keepDims) return cur;
  const out = cur.reshape(x.shape.filter((_, k) => !set.has(k)));
  cur.dispose();
  return out;
}

/** Sums a broadcast result back to `shape` (the backward of broadcasting). */
export function sumToShape(x: Tensor, shape: Shape): Tensor {
  if (sizeOf(shape) === x.size) return x.reshape(shape);
  const rank = x.shape.length;
  const axes: number[] = [];
  for (let i = 0; i < rank; i++) {
    const d = shape[shape.length - rank + i] ?? 1;
    if (d === 1 && x.shape[i] !== 1) axes.push(i);
  }
  const r = reduce('sum', x, axes, true);
  const out = r.reshape(shape);
  r.dispose();
  return out;
}

import { scaleBy } from './scale.ts';
