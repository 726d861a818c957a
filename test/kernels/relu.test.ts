import { describe, it, beforeAll } from 'vitest';
import { testDevice } from '../helpers/gpu.ts';
import { randomArray } from '../helpers/random.ts';
import { checkOp } from '../helpers/op-check.ts';
import { prelu, relu } from '../../src/graph/ops/relu.ts';

/** Keras 2's K.relu(x, alpha, max_value, threshold) composition, in float64. */
function refRelu(x: Float64Array, max: number | null, slope: number, t: number) {
  return x.map((v) => {
    let pos = t !== 0 ? (v > t ? v : 0) : Math.max(v, 0);
    if (max !== null) pos = Math.min(Math.max(pos, 0), max);
    return pos - slope * Math.max(t - v, 0);
  });
}

/** Values in [-2, 2] kept 1e-3 away from the kinks so finite differences stay on one side. */
function awayFrom(x: Float64Array, kinks: number[]): Float64Array {
  return x.map((v) => (kinks.some((k) => Math.abs(v - k) < 1e-3) ? v + 3e-3 : v));
}

describe('ReLU variants', () => {
  beforeAll(testDevice);
  const cases: [number | null, number, number][] = [[null, 0, 0], [6, 0, 0], [1.5, 0, 0], [null, 0.2, 0], [1, 0.1, 0.5], [null, 0, -0.5], [0.8, 0.3, -0.25]];
  let seed = 300;
  for (const [max, slope, t] of cases)
    for (const shape of [[7], [2, 3, 5]])
      it(`max_value=${max} negative_slope=${slope} threshold=${t} on [${shape}]`, async () => {
        const n = shape.reduce((a, b) => a * b);
        const x = awayFrom(randomArray(n, seed++, -2, 2), [0, t, max ?? 0]);
        await checkOp('relu', [{ data: x, shape }], ([v]) => relu(v, { maxValue: max, negativeSlope: slope, threshold: t }), ([v]) => refRelu(v, max, slope, t));
      });

  for (const [shape, alphaShape] of [[[2, 3, 4, 5], [3, 4, 5]], [[1, 3, 2, 3], [1, 1, 3]], [[3, 7], [7]]] as number[][][])
    it(`PReLU x [${shape}] alpha [${alphaShape}]`, async () => {
      const n = shape.reduce((a, b) => a * b);
      const na = alphaShape.reduce((a, b) => a * b);
      const x = awayFrom(randomArray(n, seed++, -2, 2), [0]);
      const alpha = randomArray(na, seed++, 0.05, 0.5);
      const ref = ([v, a]: Float64Array[]) => {
        const strides = broadcastIndex(shape, alphaShape);
        return v.map((xv, i) => (xv > 0 ? xv : a[strides(i)] * xv));
      };
      await checkOp('prelu', [{ data: x, shape }, { data: alpha, shape: alphaShape }], ([v, a]) => prelu(v, a), ref);
    });
});

/** Maps a flat index of `shape` to the flat index of a broadcast operand of shape `b` (trailing-aligned). */
function broadcastIndex(shape: number[], b: number[]): (i: number) => number {
  return (i: number) => {
    let rem = i, idx = 0, mul = 1;
    for (let d = shape.length - 1; d >= 0; d--) {
      const c = rem % shape[d];
      rem = Math.floor(rem / shape[d]);
      const bd = d - (shape.length - b.length);
      if (bd >= 0) {
        if (b[bd] !== 1) idx += c * mul;
        mul *= b[bd];
      }
    }
    return idx;
  };
}
