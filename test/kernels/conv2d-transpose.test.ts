// Conv2DTranspose (Keras kernel [kh, kw, out, in]) against a float64 scatter reference, and its
// backward against finite differences.
import { describe, it, beforeAll, expect } from 'vitest';
import { testDevice, upload } from '../helpers/gpu.ts';
import { randomArray } from '../helpers/random.ts';
import { expectClose } from '../helpers/compare.ts';
import { numericGrad } from '../helpers/gradcheck.ts';
import { refConvTranspose, refGeometry } from '../helpers/conv-ref.ts';
import { conv2dTranspose, transposedLength } from '../../src/graph/ops/conv.ts';
import { backward } from '../../src/graph/tape.ts';
import { tidy } from '../../src/graph/scope.ts';
import { mul } from '../../src/graph/ops/arith.ts';
import { sum } from '../../src/graph/ops/reduce.ts';
import { Variable } from '../../src/graph/tensor.ts';

type P = [number, number];

async function check(shape: number[], wShape: number[], s: P, d: P, padding: 'same' | 'valid', act: string, seed: number, grads: boolean) {
  const [N, IH, IW, I] = shape;
  const [KH, KW, O] = wShape;
  const H = transposedLength(IH, KH, s[0], d[0], padding), W = transposedLength(IW, KW, s[1], d[1], padding);
  const g = refGeometry([N, H, W, O], KH, KW, I, s, d, padding);
  expect([g.OH, g.OW]).toEqual([IH, IW]);
  const x = randomArray(N * IH * IW * I, seed), w = randomArray(KH * KW * O * I, seed + 1), b = randomArray(O, seed + 2);
  const dy = randomArray(N * H * W * O, seed + 3);
  const xv = Variable.create(Float32Array.from(x), shape, 'x');
  const wv = Variable.create(Float32Array.from(w), wShape, 'w');
  const bv = Variable.create(Float32Array.from(b), [O], 'b');
  const yData = tidy(() => {
    const y = conv2dTranspose(xv, wv, bv, { strides: s, dilation: d, padding, activation: act });
    expect(y.shape).toEqual([N, H, W, O]);
    const out = y.data();
    if (grads) backward(sum(mul(y, upload(dy, [N, H, W, O]))));
    return out;
  });
  const f = (xx: Float64Array, ww: Float64Array, bb: Float64Array) => refConvTranspose(xx, ww, g, bb, act);
  expectClose(await yData, f(x, w, b), 1e-5, 'forward');
  if (grads) {
    expectClose(await xv.grad!.data(), numericGrad((xx) => f(xx, w, b), x, dy), 1e-4, 'dx');
    expectClose(await wv.grad!.data(), numericGrad((ww) => f(x, ww, b), w, dy), 1e-4, 'dw');
    expectClose(await bv.grad!.data(), numericGrad((bb) => f(x, w, bb), b, dy), 1e-4, 'db');
  }
  for (const v of [xv, wv, bv]) (v.zeroGrad(), v.dispose());
}

describe('conv2d transpose forward vs float64 reference', () => {
  beforeAll(testDevice);
  let seed = 700;
  for (const [KH, KW] of [[3, 3], [2, 2], [4, 4], [5, 5], [1, 3]] as P[])
    for (const s of [[1, 1], [2, 2], [3, 2]] as P[])
      for (const padding of ['same', 'valid'] as const)
        it(`${KH}x${KW} strides ${s} ${padding}`, async () => {
          const k = seed++;
          await check([k % 2 ? 1 : 2, 4 + (k % 3), 5, k % 3 ? 3 : 5], [KH, KW, k % 2 ? 5 : 2, k % 3 ? 3 : 5], s, [1, 1], padding, k % 2 ? 'relu' : 'linear', k, false);
        });
  it('dilation 2', () => check([2, 5, 4, 3], [3, 3, 2, 3], [1, 1], [2, 2], 'same', 'linear', 799, false));
});

describe('conv2d transpose backward vs finite differences', () => {
  beforeAll(testDevice);
  const cases: [number[], number[], P, 'same' | 'valid', string][] = [
    [[1, 4, 5, 3], [3, 3, 2, 3], [2, 2], 'same', 'linear'],
    [[2, 3, 4, 2], [3, 3, 3, 2], [2, 2], 'valid', 'tanh'],
    [[2, 4, 3, 3], [2, 2, 5, 3], [2, 2], 'same', 'relu'],
    [[1, 3, 5, 2], [4, 4, 3, 2], [3, 1], 'valid', 'linear'],
  ];
  for (const [i, [shape, wShape, s, padding, act]] of cases.entries())
    it(`x ${shape} w ${wShape} s ${s} ${padding} ${act}`, () => check(shape, wShape, s, [1, 1], padding, act, 900 + 10 * i, true));
});
