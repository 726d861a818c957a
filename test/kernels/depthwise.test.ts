// DepthwiseConv2D forward against a float64 reference (kernel sizes, strides, padding, dilation,
// depth multipliers), every tiling variant, and dgrad/wgrad against finite differences.
import { describe, it, beforeAll } from 'vitest';
import { testDevice, upload } from '../helpers/gpu.ts';
import { randomArray } from '../helpers/random.ts';
import { expectClose } from '../helpers/compare.ts';
import { numericGrad } from '../helpers/gradcheck.ts';
import { refDepthwise, refGeometry } from '../helpers/conv-ref.ts';
import { depthwiseConv2d as depthwiseKernel, depthwiseDgrad, depthwiseForward, depthwiseWgrad } from '../../src/kernels/depthwise.ts';
import { CONV_TILES, convGeometry } from '../../src/kernels/conv-geometry.ts';
import { depthwiseConv2d } from '../../src/graph/ops/conv.ts';
import { backward } from '../../src/graph/tape.ts';
import { tidy } from '../../src/graph/scope.ts';
import { mul } from '../../src/graph/ops/arith.ts';
import { sum } from '../../src/graph/ops/reduce.ts';
import { Variable } from '../../src/graph/tensor.ts';

type P = [number, number];

describe('depthwise forward vs float64 reference', () => {
  beforeAll(testDevice);
  let seed = 300;
  for (const [KH, KW] of [[3, 3], [5, 5], [1, 3], [7, 1]] as P[])
    for (const s of [[1, 1], [2, 2], [1, 2]] as P[])
      for (const d of [[1, 1], [2, 2]] as P[])
        for (const padding of ['same', 'valid'] as const)
          it(`${KH}x${KW} strides ${s} dilation ${d} ${padding}`, async () => {
            const k = seed++;
            const N = k % 2 ? 1 : 2;
            const C = k % 3 ? 3 : 5;
            const M = 1 + (k % 3);
            const shape = [N, (KH - 1) * d[0] + 5, (KW - 1) * d[1] + 4, C];
            const g = refGeometry(shape, KH, KW, C * M, s, d, padding);
            const x = randomArray(shape.reduce((a, b) => a * b), k), w = randomArray(KH * KW * C * M, k + 1), b = randomArray(C * M, k + 2);
            const act = k % 2 ? 'relu6' : 'linear';
            const ours = await tidy(() =>
              depthwiseKernel(upload(x, shape), upload(w, [KH, KW, C, M]), { strides: s, dilation: d, padding, bias: upload(b, [C * M]), activation: act }),
            ).data();
            expectClose(ours, refDepthwise(x, w, g, b, act), 1e-5, 'depthwise');
          });

  for (const [i, tile] of CONV_TILES.entries())
    it(`variant ${i} PX=${tile.PX} WG=${tile.WGX}x${tile.WGY}: forward, dgrad, wgrad`, async () => {
      const shape = [2, 9, 7, 5];
      const [KH, KW, C, M] = [3, 3, 5, 2];
      const g = convGeometry('t', shape, KH, KW, C * M, { strides: 2, padding: 'same' });
      const rg = refGeometry(shape, KH, KW, C * M, [2, 2], [1, 1], 'same');
      const x = randomArray(2 * 9 * 7 * 5, 80 + i), w = randomArray(KH * KW * C * M, 90 + i), dy = randomArray(2 * g.OH * g.OW * C * M, 95 + i);
      const [y, dx, dw] = await tidy(() => {
        const xt = upload(x, shape), wt = upload(w, [KH, KW, C, M]), dyt = upload(dy, [2, g.OH, g.OW, C * M]);
        return [depthwiseForward(xt, wt, g, { tile }).data(), depthwiseDgrad(dyt, wt, g, tile).data(), depthwiseWgrad(xt, dyt, g).data()];
      });
      expectClose(await y, refDepthwise(x, w, rg), 1e-5, 'forward');
      expectClose(await dx, numericGrad((xx) => refDepthwise(xx, w, rg), x, dy), 1e-4, 'dgrad');
      expectClose(await dw, numericGrad((ww) => refDepthwise(x, ww, rg), w, dy), 1e-4, 'wgrad');
    });
});

describe('depthwise backward vs finite differences', () => {
  beforeAll(testDevice);
  const cases: [number[], number[], P, P, 'same' | 'valid', string][] = [
    [[1, 6, 5, 3], [3, 3, 3, 1], [1, 1], [1, 1], 'same', 'linear'],
    [[2, 7, 8, 3], [3, 3, 3, 2], [2, 2], [1, 1], 'same', 'relu'],
    [[2, 9, 8, 2], [5, 5, 2, 3], [2, 2], [1, 1], 'valid', 'tanh'],
    [[1, 9, 9, 5], [3, 3, 5, 1], [1, 1], [2, 2], 'same', 'linear'],
    [[3, 13, 11, 3], [3, 3, 3, 1], [1, 1], [1, 1], 'same', 'linear'],
  ];
  for (const [i, [shape, wShape, s, d, padding, act]] of cases.entries())
    it(`x ${shape} w ${wShape} s ${s} d ${d} ${padding} ${act}`, async () => {
      const [N, , , C] = shape;
      const [KH, KW, , M] = wShape;
      const g = refGeometry(shape, KH, KW, C * M, s, d, padding);
      const seed = 500 + 10 * i;
      const x = randomArray(shape.reduce((a, b) => a * b), seed), w = randomArray(KH * KW * C * M, seed + 1);
      const b = randomArray(C * M, seed + 2), dy = randomArray(N * g.OH * g.OW * C * M, seed + 3);
      const xv = Variable.create(Float32Array.from(x), shape, 'x');
      const wv = Variable.create(Float32Array.from(w), wShape, 'w');
      const bv = Variable.create(Float32Array.from(b), [C * M], 'b');
      const yData = tidy(() => {
        const y = depthwiseConv2d(xv, wv, bv, { strides: s, dilation: d, padding, activation: act });
        const out = y.data();
        backward(sum(mul(y, upload(dy, [N, g.OH, g.OW, C * M]))));
        return out;
      });
      const f = (xx: Float64Array, ww: Float64Array, bb: Float64Array) => refDepthwise(xx, ww, g, bb, act);
      expectClose(await yData, f(x, w, b), 1e-5, 'forward');
      expectClose(await xv.grad!.data(), numericGrad((xx) => f(xx, w, b), x, dy), 1e-4, 'dx');
      expectClose(await wv.grad!.data(), numericGrad((ww) => f(x, ww, b), w, dy), 1e-4, 'dw');
      expectClose(await bv.grad!.data(), numericGrad((bb) => f(x, w, bb), b, dy), 1e-4, 'db');
      for (const v of [xv, wv, bv]) (v.zeroGrad(), v.dispose());
    });
});
