// DepthwiseConv2D forward against a float64 reference (kernel sizes, strides, padding, dilation,
// depth multipliers), every tiling variant, the vec4 kernels (multiplier 1, channel quads) in each
// of their variants against float64 forward, dgrad and wgrad references, and dgrad/wgrad against
// finite differences.
import { describe, it, beforeAll, expect } from 'vitest';
import { testDevice, upload } from '../helpers/gpu.ts';
import { randomArray } from '../helpers/random.ts';
import { expectClose } from '../helpers/compare.ts';
import { numericGrad } from '../helpers/gradcheck.ts';
import { refDepthwise, refGeometry, type Geo } from '../helpers/conv-ref.ts';
import { depthwiseConv2d as depthwiseKernel, depthwiseCq, depthwiseDgrad, depthwiseForward, depthwiseWgrad, DW_CQ } from '../../src/kernels/depthwise.ts';
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

/** Multiplier 1: each output pixel sends dy * w back to the inputs of its window (a scatter). */
function refDepthwiseDgrad(dy: Float64Array, w: Float64Array, g: Geo): Float64Array {
  const dx = new Float64Array(g.N * g.H * g.W * g.C);
  for (let n = 0; n < g.N; n++)
    for (let oh = 0; oh < g.OH; oh++)
      for (let ow = 0; ow < g.OW; ow++)
        for (let kh = 0; kh < g.KH; kh++) {
          const ih = oh * g.SH - g.PT + kh * g.DH;
          if (ih < 0 || ih >= g.H) continue;
          for (let kw = 0; kw < g.KW; kw++) {
            const iw = ow * g.SW - g.PL + kw * g.DW;
            if (iw < 0 || iw >= g.W) continue;
            for (let c = 0; c < g.C; c++) dx[((n * g.H + ih) * g.W + iw) * g.C + c] += dy[((n * g.OH + oh) * g.OW + ow) * g.C + c] * w[(kh * g.KW + kw) * g.C + c];
          }
        }
  return dx;
}

/** Multiplier 1: dw[kh,kw,c] = sum over output pixels of x (through the tap) * dy. */
function refDepthwiseWgrad(x: Float64Array, dy: Float64Array, g: Geo): Float64Array {
  const dw = new Float64Array(g.KH * g.KW * g.C);
  for (let n = 0; n < g.N; n++)
    for (let oh = 0; oh < g.OH; oh++)
      for (let ow = 0; ow < g.OW; ow++)
        for (let kh = 0; kh < g.KH; kh++) {
          const ih = oh * g.SH - g.PT + kh * g.DH;
          if (ih < 0 || ih >= g.H) continue;
          for (let kw = 0; kw < g.KW; kw++) {
            const iw = ow * g.SW - g.PL + kw * g.DW;
            if (iw < 0 || iw >= g.W) continue;
            for (let c = 0; c < g.C; c++) dw[(kh * g.KW + kw) * g.C + c] += x[((n * g.H + ih) * g.W + iw) * g.C + c] * dy[((n * g.OH + oh) * g.OW + ow) * g.C + c];
          }
        }
  return dw;
}

describe('depthwise vec4 kernels (multiplier 1, channel quads)', () => {
  beforeAll(testDevice);
  // Odd sizes, channel counts that leave a partial last group of quads, strides (also unequal),
  // dilation, padding, batch 1 and 3, 1x1 to 5x5 kernels; forward with bias + relu6, and dgrad,
  // for every channel-quad count and tile; wgrad (one variant per kernel size).
  const cases: [number, number, P, P][] = [[3, 3, [1, 1], [1, 1]], [3, 3, [2, 2], [1, 1]], [5, 5, [1, 2], [1, 1]], [3, 3, [2, 1], [2, 2]], [1, 1, [2, 2], [1, 1]], [2, 2, [1, 1], [1, 1]], [7, 1, [1, 1], [1, 1]]];
  let seed = 700;
  for (const cq of DW_CQ)
    for (const [KH, KW, s, d] of cases)
      for (const padding of ['same', 'valid'] as const)
        it(`CQ=${cq} ${KH}x${KW} strides ${s} dilation ${d} ${padding}: forward and dgrad, every tile`, async () => {
          const k = seed++;
          const N = k % 2 ? 1 : 3;
          const C = [4, 12, 20, 8][k % 4];
          const shape = [N, (KH - 1) * d[0] + 3 + (k % 3), (KW - 1) * d[1] + 4 + (k % 2), C];
          const g = convGeometry('t', shape, KH, KW, C, { strides: s, dilation: d, padding });
          const rg = refGeometry(shape, KH, KW, C, s, d, padding);
          const x = randomArray(shape.reduce((a, b) => a * b), k), w = randomArray(KH * KW * C, k + 1), b = randomArray(C, k + 2, -3, 3);
          const dy = randomArray(N * g.OH * g.OW * C, k + 3);
          const y = refDepthwise(x, w, rg, b, 'relu6'), dx = refDepthwiseDgrad(dy, w, rg);
          for (const tile of CONV_TILES) {
            const [yt, dxt] = await tidy(() => {
              const wt = upload(w, [KH, KW, C, 1]);
              return [
                depthwiseForward(upload(x, shape), wt, g, { bias: upload(b, [C]), activation: 'relu6', tile, cq }).data(),
                depthwiseDgrad(upload(dy, [N, g.OH, g.OW, C]), wt, g, tile, { cq }).data(),
              ];
            });
            expectClose(await yt, y, 1e-5, `forward CQ=${cq} PX=${tile.PX}`);
            expectClose(await dxt, dx, 1e-5, `dgrad CQ=${cq} PX=${tile.PX}`);
          }
        });

  for (const [i, [KH, KW, s, d]] of cases.entries())
    for (const padding of ['same', 'valid'] as const)
      it(`wgrad ${KH}x${KW} strides ${s} dilation ${d} ${padding}`, async () => {
        const k = 800 + i * 2 + (padding === 'same' ? 0 : 1);
        const N = k % 2 ? 1 : 3;
        const C = [4, 12, 20, 8][k % 4];
        const shape = [N, (KH - 1) * d[0] + 3 + (k % 3), (KW - 1) * d[1] + 4 + (k % 2), C];
        const g = convGeometry('t', shape, KH, KW, C, { strides: s, dilation: d, padding });
        const rg = refGeometry(shape, KH, KW, C, s, d, padding);
        const x = randomArray(shape.reduce((a, b) => a * b), k), dy = randomArray(N * g.OH * g.OW * C, k + 3);
        const dw = await tidy(() => depthwiseWgrad(upload(x, shape), upload(dy, [N, g.OH, g.OW, C]), g)).data();
        expectClose(dw, refDepthwiseWgrad(x, dy, rg), 1e-5, 'wgrad');
      });

  it('wgrad over many split-K chunks and a reduce pass', async () => {
    const shape = [3, 23, 21, 8]; // K = 3*23*21 = 1449 output pixels
    const g = convGeometry('t', shape, 3, 3, 8, { padding: 'same' });
    const rg = refGeometry(shape, 3, 3, 8, [1, 1], [1, 1], 'same');
    const x = randomArray(3 * 23 * 21 * 8, 1), dy = randomArray(3 * 23 * 21 * 8, 2);
    const dw = await tidy(() => depthwiseWgrad(upload(x, shape), upload(dy, [3, 23, 21, 8]), g)).data();
    expectClose(dw, refDepthwiseWgrad(x, dy, rg), 1e-4, 'wgrad');
  });

  it('splits pixel groups over x and z past the per-dimension workgroup limit (lowered to 9)', async () => {
    const dev = await testDevice();
    const real = dev.limits;
    const low = Object.create(real, { maxComputeWorkgroupsPerDimension: { value: 9 } }) as GPUSupportedLimits;
    const shape = [2, 9, 8, 8];
    const g = convGeometry('t', shape, 3, 3, 8, { strides: 2, padding: 'same' });
    const rg = refGeometry(shape, 3, 3, 8, [2, 2], [1, 1], 'same');
    const x = randomArray(2 * 9 * 8 * 8, 1), w = randomArray(9 * 8, 2), dy = randomArray(2 * g.OH * g.OW * 8, 3);
    (dev as { limits: GPUSupportedLimits }).limits = low;
    try {
      const tile = { PX: 1, WGX: 2, WGY: 1 }; // 2 pixel groups per workgroup: many workgroups
      const [y, dx] = await tidy(() => {
        const wt = upload(w, [3, 3, 8, 1]);
        return [depthwiseForward(upload(x, shape), wt, g, { tile }).data(), depthwiseDgrad(upload(dy, [2, g.OH, g.OW, 8]), wt, g, tile).data()];
      });
      expectClose(await y, refDepthwise(x, w, rg), 1e-5, 'forward');
      expectClose(await dx, refDepthwiseDgrad(dy, w, rg), 1e-5, 'dgrad');
    } finally {
      (dev as { limits: GPUSupportedLimits }).limits = real;
    }
  });

  it('the vec4 and scalar kernels agree, and multipliers > 1 keep the scalar kernels', async () => {
    const shape = [2, 7, 6, 8];
    const g = convGeometry('t', shape, 3, 3, 8, { strides: 2, padding: 'same' });
    const x = randomArray(2 * 7 * 6 * 8, 5), w = randomArray(9 * 8, 6), dy = randomArray(2 * g.OH * g.OW * 8, 7);
    const outs = await tidy(() => {
      const xt = upload(x, shape), wt = upload(w, [3, 3, 8, 1]), dyt = upload(dy, [2, g.OH, g.OW, 8]);
      return [
        depthwiseForward(xt, wt, g).data(), depthwiseForward(xt, wt, g, { vec4: false }).data(),
        depthwiseDgrad(dyt, wt, g).data(), depthwiseDgrad(dyt, wt, g, undefined, { vec4: false }).data(),
        depthwiseWgrad(xt, dyt, g).data(), depthwiseWgrad(xt, dyt, g, false).data(),
      ];
    });
    const [y, ys, dx, dxs, dw, dws] = await Promise.all(outs);
    expectClose(y, ys, 1e-5, 'forward');
    expectClose(dx, dxs, 1e-5, 'dgrad');
    expectClose(dw, dws, 1e-5, 'wgrad');
    // Multiplier 2 with channel quads: O = 2C, so the scalar kernels run (a cq is then ignored).
    const g2 = convGeometry('t', [1, 6, 5, 4], 3, 3, 8, { padding: 'same' });
    const rg2 = refGeometry([1, 6, 5, 4], 3, 3, 8, [1, 1], [1, 1], 'same');
    const x2 = randomArray(6 * 5 * 4, 8), w2 = randomArray(9 * 8, 9);
    const y2 = await tidy(() => depthwiseForward(upload(x2, [1, 6, 5, 4]), upload(w2, [3, 3, 4, 2]), g2, { cq: 4 })).data();
    expectClose(y2, refDepthwise(x2, w2, rg2), 1e-5, 'multiplier 2');
    expect(() => depthwiseForward(upload(x, shape), upload(w, [3, 3, 8, 1]), g, { cq: 3 })).toThrow(/cq 3 must be one of 1, 2, 4/);
    expect([4, 8, 12, 16, 32].map((c) => depthwiseCq('depthwise_cq', c))).toEqual([1, 1, 1, 4, 4]);
    expect([4, 8, 12, 16, 32].map((c) => depthwiseCq('depthwise_dgrad_cq', c))).toEqual([1, 2, 1, 4, 4]);
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
    // Multiplier 1 with channel quads: the vec4 kernels.
    [[2, 7, 6, 8], [3, 3, 8, 1], [2, 2], [1, 1], 'same', 'relu'],
    [[1, 9, 8, 4], [3, 3, 4, 1], [1, 1], [2, 2], 'valid', 'linear'],
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
