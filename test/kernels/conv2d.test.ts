// Conv2D forward against a float64 reference over every kernel size, stride, padding and dilation
// the issue lists; every tiling variant; every dgrad variant against the float64 transposed conv;
// dgrad and wgrad against finite differences.
import { describe, it, beforeAll, expect } from 'vitest';
import { testDevice, upload } from '../helpers/gpu.ts';
import { randomArray } from '../helpers/random.ts';
import { expectClose } from '../helpers/compare.ts';
import { numericGrad } from '../helpers/gradcheck.ts';
import { refConv, refConvTranspose, refGeometry, type Geo } from '../helpers/conv-ref.ts';
import { conv2d as conv2dKernel, conv2dDgrad, conv2dForward, conv2dWgrad, DGRAD_CQ, dgradAsForward, dgradCq, FWD_OQ, WGRAD_BLOCKS, wgradBlockName } from '../../src/kernels/conv2d.ts';
import { setPrecision } from '../../src/gpu/precision.ts';
import { CONV_TILES, convGeometry, FWD_PIXELS_X_LOSS, FWD_TILES, fwdPixelsOnX, pixelGrid } from '../../src/kernels/conv-geometry.ts';
import { conv2d } from '../../src/graph/ops/conv.ts';
import { backward } from '../../src/graph/tape.ts';
import { tidy } from '../../src/graph/scope.ts';
import { mul } from '../../src/graph/ops/arith.ts';
import { sum } from '../../src/graph/ops/reduce.ts';
import { Variable } from '../../src/graph/tensor.ts';

type P = [number, number];
const KERNELS: P[] = [[1, 1], [3, 3], [5, 5], [7, 7], [1, 7], [7, 1], [1, 3], [3, 1], [11, 11]];
const STRIDES: P[] = [[1, 1], [2, 2], [2, 1]];
const DILATIONS: P[] = [[1, 1], [2, 2]];

/** Input size: the dilated kernel plus a few odd pixels, so valid padding leaves several outputs. */
const inSize = (k: number, d: number, extra: number) => (k - 1) * d + 1 + extra;

describe('conv2d forward vs float64 reference', () => {
  beforeAll(testDevice);
  let seed = 1;
  for (const [KH, KW] of KERNELS)
    for (const s of STRIDES)
      for (const d of DILATIONS)
        for (const padding of ['same', 'valid'])
          it(`${KH}x${KW} strides ${s} dilation ${d} ${padding}`, async () => {
            const k = seed++;
            const N = k % 2 ? 1 : 3;
            const [C, O] = k % 3 ? [3, 5] : [6, 7];
            const shape = [N, inSize(KH, d[0], 4 + (k % 3)), inSize(KW, d[1], 3 + (k % 2) * 2), C];
            const g = refGeometry(shape, KH, KW, O, s, d, padding);
            const x = randomArray(N * shape[1] * shape[2] * C, k);
            const w = randomArray(KH * KW * C * O, k + 1000);
            const b = randomArray(O, k + 2000);
            const act = k % 2 ? 'relu' : 'linear';
            const ours = await tidy(() =>
              conv2dKernel(upload(x, shape), upload(w, [KH, KW, C, O]), { strides: s, dilation: d, padding: padding as 'same', bias: upload(b, [O]), activation: act }),
            ).data();
            expectClose(ours, refConv(x, w, g, b, act), 1e-5, 'conv2d');
          });

  it('output geometry follows TensorFlow (asymmetric same padding)', () => {
    const g = convGeometry('t', [1, 8, 7, 1], 3, 2, 1, { strides: 2, padding: 'same' });
    // H: out 4, total pad (4-1)*2+3-8 = 1 -> top 0; W: out 4, total (4-1)*2+2-7 = 1 -> left 0.
    expect([g.OH, g.OW, g.PT, g.PL]).toEqual([4, 4, 0, 0]);
    const g2 = convGeometry('t', [1, 9, 9, 1], 5, 5, 1, { strides: 1, padding: 'same' });
    expect([g2.OH, g2.PT]).toEqual([9, 2]);
    const g3 = convGeometry('t', [1, 9, 10, 1], 3, 3, 1, { padding: 'valid', dilation: 2, strides: 2 });
    expect([g3.OH, g3.OW]).toEqual([3, 3]);
  });

  it('bad shapes give errors naming the op and the shapes', () => {
    const x = upload(randomArray(2 * 5 * 5 * 3, 1), [2, 5, 5, 3]);
    expect(() => conv2dKernel(x, upload(randomArray(3 * 3 * 4 * 2, 2), [3, 3, 4, 2]))).toThrow(/conv2d: input \[2,5,5,3\] has 3 channels.*\[3,3,4,2\]/);
    expect(() => conv2dKernel(x, upload(randomArray(7 * 7 * 3 * 2, 2), [7, 7, 3, 2]))).toThrow(/smaller than the 7x7 kernel/);
    expect(() => conv2dKernel(x.reshape([50, 3]), upload(randomArray(18, 2), [1, 1, 3, 6]))).toThrow(/NHWC/);
  });
});

describe('conv2d tiling and vec4 variants', () => {
  beforeAll(testDevice);
  // C, O = 5, 7 runs the scalar kernels; 8, 4 the vec4 ones (channels and filters in quads).
  for (const [C, O] of [[5, 7], [8, 4]])
    for (const [i, tile] of CONV_TILES.entries())
      it(`C=${C} O=${O} variant ${i} PX=${tile.PX} WG=${tile.WGX}x${tile.WGY}: forward, dgrad, wgrad`, async () => {
        const shape = [2, 9, 11, C];
        const [KH, KW] = [3, 3];
        const g = convGeometry('t', shape, KH, KW, O, { strides: [2, 1], padding: 'same' });
        const rg = refGeometry(shape, KH, KW, O, [2, 1], [1, 1], 'same');
        const x = randomArray(2 * 9 * 11 * C, 50 + i), w = randomArray(KH * KW * C * O, 60 + i), dy = randomArray(2 * g.OH * g.OW * O, 70 + i);
        const [y, yp, dx, dw] = await tidy(() => {
          const wt = upload(w, [KH, KW, C, O]), xt = upload(x, shape), dyt = upload(dy, [2, g.OH, g.OW, O]);
          return [
            conv2dForward(xt, wt, g, { tile, pixelsOnX: false }).data(), conv2dForward(xt, wt, g, { tile, pixelsOnX: true }).data(),
            conv2dDgrad(dyt, wt, g, { tile }).data(), conv2dWgrad(xt, dyt, g).data(),
          ];
        });
        expectClose(await y, refConv(x, w, rg), 1e-5, 'forward');
        expectClose(await yp, refConv(x, w, rg), 1e-5, 'forward, pixel groups on x');
        expectClose(await dx, numericGrad((xx) => refConv(xx, w, rg), x, dy), 1e-4, 'dgrad');
        expectClose(await dw, numericGrad((ww) => refConv(x, ww, rg), w, dy), 1e-4, 'wgrad');
      });

  // The register-blocked forward (OQ filter quads per thread): odd sizes, filter counts that leave
  // a partial last group of quads, every tile (FWD_TILES' 16 and 32 pixels where OQ > 1) and grid
  // layout, strides, dilation, padding, batch, bias and relu.
  let oqSeed = 900;
  for (const oq of FWD_OQ)
    for (const [s, d] of [[1, 1], [2, 1], [1, 2], [2, 2]])
      for (const padding of ['same', 'valid'] as const)
        it(`vec4 forward OQ=${oq} strides ${s} dilation ${d} ${padding}`, async () => {
          const k = oqSeed++;
          const N = k % 2 ? 1 : 3;
          const C = [4, 8, 12][k % 3];
          const O = [4, 8, 12, 20, 36][k % 5];
          const [KH, KW] = k % 4 ? [3, 3] : [1, 3];
          const shape = [N, inSize(KH, d, 4 + (k % 3)), inSize(KW, d, 3 + (k % 2) * 2), C];
          const g = convGeometry('t', shape, KH, KW, O, { strides: s, dilation: d, padding });
          const rg = refGeometry(shape, KH, KW, O, [s, s], [d, d], padding);
          const x = randomArray(shape.reduce((a, b) => a * b), k), w = randomArray(KH * KW * C * O, k + 1), b = randomArray(O, k + 2);
          const want = refConv(x, w, rg, b, 'relu');
          for (const tile of oq > 1 ? FWD_TILES : CONV_TILES)
            for (const pixelsOnX of [false, true]) {
              const y = await tidy(() => conv2dForward(upload(x, shape), upload(w, [KH, KW, C, O]), g, { bias: upload(b, [O]), activation: 'relu', tile, oq, pixelsOnX })).data();
              expectClose(y, want, 1e-5, `OQ=${oq} PX=${tile.PX} WG=${tile.WGX}x${tile.WGY} pixelsOnX=${pixelsOnX}`);
            }
        });

  // The vec4 dgrads (CQ channel quads per thread; 0 is conv2d_dgrad_vec4): 1x1, 3x3 and 5x5,
  // strides, dilation, padding, odd sizes, batch 1 and 3, channel counts that leave a partial last
  // group of quads, every tile, with Conv2DTranspose's bias + activation epilogue, against the
  // float64 transposed conv (a scatter, independent of the gather kernels).
  let cqSeed = 1300;
  for (const cq of DGRAD_CQ)
    for (const [K, s, d] of [[1, 2, 1], [3, 1, 1], [3, 2, 2], [5, 2, 1], [5, 1, 2]])
      for (const padding of ['same', 'valid'] as const)
        it(`vec4 dgrad CQ=${cq} ${K}x${K} strides ${s} dilation ${d} ${padding}`, async () => {
          const k = cqSeed++;
          const N = k % 2 ? 1 : 3;
          const C = [4, 12, 20, 36][k % 4];
          const O = [4, 8, 12][k % 3];
          const shape = [N, inSize(K, d, 2 + (k % 3)), inSize(K, d, 3 + (k % 2) * 2), C];
          const g = convGeometry('t', shape, K, K, O, { strides: s, dilation: d, padding });
          const rg = refGeometry(shape, K, K, O, [s, s], [d, d], padding);
          const dy = randomArray(N * g.OH * g.OW * O, k), w = randomArray(K * K * C * O, k + 1), b = randomArray(C, k + 2);
          const want = refConvTranspose(dy, w, rg, b, 'relu');
          for (const tile of CONV_TILES) {
            const dx = await tidy(() => conv2dDgrad(upload(dy, [N, g.OH, g.OW, O]), upload(w, [K, K, C, O]), g, { bias: upload(b, [C]), activation: 'relu', tile, cq })).data();
            expectClose(dx, want, 1e-5, `CQ=${cq} PX=${tile.PX} WG=${tile.WGX}x${tile.WGY}`);
          }
        });

  for (const cq of DGRAD_CQ)
    it(`vec4 dgrad CQ=${cq} equals finite differences of the forward`, async () => {
      const shape = [2, 6, 7, 12];
      const g = convGeometry('t', shape, 3, 3, 8, { strides: [2, 1], padding: 'same' });
      const rg = refGeometry(shape, 3, 3, 8, [2, 1], [1, 1], 'same');
      const x = randomArray(2 * 6 * 7 * 12, 40 + cq), w = randomArray(9 * 12 * 8, 50 + cq), dy = randomArray(2 * g.OH * g.OW * 8, 60 + cq);
      const dx = await tidy(() => conv2dDgrad(upload(dy, [2, g.OH, g.OW, 8]), upload(w, [3, 3, 12, 8]), g, { cq })).data();
      expectClose(dx, numericGrad((xx) => refConv(xx, w, rg), x, dy), 1e-4, `CQ=${cq}`);
    });

  it('vec4 dgrad default: 4 channel quads per thread from 16 channels', () => {
    expect([4, 8, 12, 16, 20, 64, 512].map(dgradCq)).toEqual([1, 1, 1, 4, 4, 4, 4]);
    for (const C of [4, 16, 512]) expect(DGRAD_CQ).toContain(dgradCq(C));
  });

  it('forward grid layout: pixel groups on x where channels on x would leave a thread idle', () => {
    const t = CONV_TILES[0]; // PX 8, WGX 8, WGY 8
    const vgg = (hw: number, O: number, oq: number) => fwdPixelsOnX(t, Math.ceil(O / (4 * oq)) * 4, 8 * hw * hw);
    // VGG16-48 at batch 8, OQ 4: block 5 (72 pixels, 9 groups in 2 pixel workgroups: 7 of 16 rows
    // empty), block 4 (288 pixels, 36 groups: 4 of 40 empty); blocks 3 and 1 fill every row, and
    // blocks 1 and 2 have one channel workgroup, where both orders are the same dispatch.
    expect([vgg(3, 512, 4), vgg(6, 512, 4), vgg(12, 256, 4), vgg(24, 128, 4), vgg(48, 64, 4), vgg(48, 64, 1)]).toEqual([true, true, false, false, false, false]);
    expect(fwdPixelsOnX(t, 512, 60)).toBe(false); // one pixel workgroup (8 groups, the last partial)
    expect(fwdPixelsOnX(t, 32, 8 * 3 * 3)).toBe(false); // one channel workgroup
    // Few empty rows among many: 2303 groups of 8 pixels in 288 workgroups, 1 of 2304 rows empty.
    expect(fwdPixelsOnX(t, 192, 8 * 2303)).toBe(false);
    expect(1 / 2304).toBeLessThan(FWD_PIXELS_X_LOSS);
    // 18 pixels one per thread: 18 groups in 2 workgroups of 16 rows, 14 of 32 empty.
    expect(fwdPixelsOnX({ PX: 1, WGX: 4, WGY: 16 }, 64, 18)).toBe(true);
  });

  // Every register block of the vec4 wgrad, with channel and filter counts that leave partial
  // groups of quads (3 channel quads in blocks of 2 and 4; 1, 3 and 9 filter quads in blocks of 2-8).
  for (const block of WGRAD_BLOCKS)
    for (const [C, O] of [[8, 4], [12, 12], [12, 36]])
      it(`vec4 wgrad block ${wgradBlockName(block)}, ${C / 4} channel and ${O / 4} filter quads`, async () => {
        const shape = [2, 7, 9, C];
        const g = convGeometry('t', shape, 3, 3, O, { strides: 2, padding: 'same' });
        const rg = refGeometry(shape, 3, 3, O, [2, 2], [1, 1], 'same');
        const k = block.CQ * 10 + block.FQ;
        const x = randomArray(2 * 7 * 9 * C, k + O), w = randomArray(9 * C * O, 3), dy = randomArray(2 * g.OH * g.OW * O, k * O);
        const dw = await tidy(() => conv2dWgrad(upload(x, shape), upload(dy, [2, g.OH, g.OW, O]), g, true, block)).data();
        expectClose(dw, numericGrad((ww) => refConv(x, ww, rg), w, dy), 1e-4, 'wgrad');
      });

  // The vec4 kernels over the geometry grid, each against the reference and the scalar kernels.
  let seed = 400;
  for (const [KH, KW] of [[1, 1], [3, 3], [1, 7], [7, 1], [5, 5]] as P[])
    for (const s of STRIDES)
      for (const d of DILATIONS)
        for (const padding of ['same', 'valid'] as const)
          it(`vec4 ${KH}x${KW} strides ${s} dilation ${d} ${padding}: forward, dgrad, wgrad`, async () => {
            const k = seed++;
            const N = k % 2 ? 1 : 2;
            const [C, O] = k % 3 ? [4, 8] : [8, 4];
            const shape = [N, inSize(KH, d[0], 3 + (k % 3)), inSize(KW, d[1], 4 + (k % 2)), C];
            const g = convGeometry('t', shape, KH, KW, O, { strides: s, dilation: d, padding });
            const rg = refGeometry(shape, KH, KW, O, s, d, padding);
            const x = randomArray(shape.reduce((a, b) => a * b), k), w = randomArray(KH * KW * C * O, k + 1), b = randomArray(O, k + 2);
            const dy = randomArray(N * g.OH * g.OW * O, k + 3);
            const act = k % 2 ? 'elu' : 'linear';
            const outs = await tidy(() => {
              const xt = upload(x, shape), wt = upload(w, [KH, KW, C, O]), dyt = upload(dy, [N, g.OH, g.OW, O]);
              const e = { bias: upload(b, [O]), activation: act, alpha: 1 };
              return [
                conv2dForward(xt, wt, g, e).data(), conv2dForward(xt, wt, g, { ...e, vec4: false }).data(),
                conv2dDgrad(dyt, wt, g).data(), conv2dDgrad(dyt, wt, g, { vec4: false }).data(),
                conv2dWgrad(xt, dyt, g).data(), conv2dWgrad(xt, dyt, g, false).data(),
              ];
            });
            const [y, ys, dx, dxs, dw, dws] = await Promise.all(outs);
            const ref = refConv(x, w, rg, b).map((v) => (act === 'elu' && v < 0 ? Math.exp(v) - 1 : v));
            expectClose(y, ref, 1e-5, 'forward vec4');
            expectClose(ys, ref, 1e-5, 'forward scalar');
            const dxr = numericGrad((xx) => refConv(xx, w, rg), x, dy);
            expectClose(dx, dxr, 1e-4, 'dgrad vec4');
            expectClose(dxs, dxr, 1e-4, 'dgrad scalar');
            const dwr = numericGrad((ww) => refConv(x, ww, rg), w, dy);
            expectClose(dw, dwr, 1e-4, 'wgrad vec4');
            expectClose(dws, dwr, 1e-4, 'wgrad scalar');
          });
});

/** Runs conv2d through the tape and returns y and the gradients of sum(y * dy). */
async function runConv(shape: number[], wShape: number[], s: P, d: P, padding: 'same' | 'valid', act: string, seed: number) {
  const [N, , , C] = shape;
  const [KH, KW, , O] = wShape;
  const g = refGeometry(shape, KH, KW, O, s, d, padding);
  const x = randomArray(shape.reduce((a, b) => a * b), seed), w = randomArray(KH * KW * C * O, seed + 1, -0.5, 0.5);
  const b = randomArray(O, seed + 2), dy = randomArray(N * g.OH * g.OW * O, seed + 3);
  const xv = Variable.create(Float32Array.from(x), shape, 'x');
  const wv = Variable.create(Float32Array.from(w), wShape, 'w');
  const bv = Variable.create(Float32Array.from(b), [O], 'b');
  const yData = tidy(() => {
    const y = conv2d(xv, wv, bv, { strides: s, dilation: d, padding, activation: act });
    const out = y.data();
    backward(sum(mul(y, upload(dy, [N, g.OH, g.OW, O]))));
    return out;
  });
  const res = { y: await yData, dx: await xv.grad!.data(), dw: await wv.grad!.data(), db: await bv.grad!.data(), x, w, b, dy, g };
  for (const v of [xv, wv, bv]) (v.zeroGrad(), v.dispose());
  return res;
}

describe('conv2d backward vs finite differences', () => {
  beforeAll(testDevice);
  const cases: [number[], number[], P, P, 'same' | 'valid', string][] = [
    [[1, 5, 6, 3], [3, 3, 3, 5], [1, 1], [1, 1], 'same', 'linear'],
    [[2, 7, 6, 3], [3, 3, 3, 5], [2, 2], [1, 1], 'same', 'relu'],
    [[2, 8, 9, 2], [5, 5, 2, 3], [2, 2], [1, 1], 'valid', 'tanh'],
    [[1, 6, 9, 3], [1, 7, 3, 2], [1, 1], [1, 1], 'same', 'linear'],
    [[3, 7, 5, 2], [3, 1, 2, 3], [2, 1], [1, 1], 'valid', 'sigmoid'],
    [[2, 9, 7, 3], [3, 3, 3, 2], [1, 1], [2, 2], 'same', 'linear'],
    [[1, 9, 9, 2], [3, 3, 2, 3], [2, 2], [2, 2], 'valid', 'relu6'],
    [[2, 6, 6, 5], [1, 1, 5, 6], [2, 2], [1, 1], 'same', 'linear'],
    [[1, 8, 8, 3], [2, 2, 3, 3], [2, 2], [1, 1], 'same', 'softsign'],
    [[2, 7, 6, 4], [3, 3, 4, 8], [2, 2], [1, 1], 'same', 'relu'],
    [[1, 6, 7, 8], [1, 1, 8, 4], [1, 1], [1, 1], 'valid', 'linear'],
  ];
  for (const [i, [shape, wShape, s, d, padding, act]] of cases.entries())
    it(`x ${shape} w ${wShape} s ${s} d ${d} ${padding} ${act}`, async () => {
      const r = await runConv(shape, wShape, s, d, padding, act, 100 + i * 10);
      const f = act === 'softsign' ? 'softsign' : act;
      const fwd = (xx: Float64Array, ww: Float64Array, bb: Float64Array) => {
        const y = refConv(xx, ww, r.g, bb, f === 'softsign' ? 'linear' : f);
        if (f === 'softsign') for (let k = 0; k < y.length; k++) y[k] = y[k] / (1 + Math.abs(y[k]));
        return y;
      };
      expectClose(r.y, fwd(r.x, r.w, r.b), 1e-5, 'forward');
      expectClose(r.dx, numericGrad((xx) => fwd(xx, r.w, r.b), r.x, r.dy), 1e-4, 'dx');
      expectClose(r.dw, numericGrad((ww) => fwd(r.x, ww, r.b), r.w, r.dy), 1e-4, 'dw');
      expectClose(r.db, numericGrad((bb) => fwd(r.x, r.w, bb), r.b, r.dy), 1e-4, 'db');
    });

  it('wgrad with many split-K chunks equals the reference', async () => {
    // K = 3*15*13 = 585 pixels -> several chunks and a reduce pass.
    const shape = [3, 15, 13, 3];
    const g = convGeometry('t', shape, 3, 3, 5, { padding: 'same' });
    const rg: Geo = refGeometry(shape, 3, 3, 5, [1, 1], [1, 1], 'same');
    const x = randomArray(3 * 15 * 13 * 3, 7), w = randomArray(3 * 3 * 3 * 5, 8), dy = randomArray(3 * 15 * 13 * 5, 9);
    const dw = await tidy(() => conv2dWgrad(upload(x, shape), upload(dy, [3, 15, 13, 5]), g)).data();
    expectClose(dw, numericGrad((ww) => refConv(x, ww, rg), w, dy), 1e-4, 'dw');
  });

  it('frozen kernel, trainable input: dx only, the kernel gets no gradient', async () => {
    const shape = [2, 6, 5, 3];
    const x = randomArray(2 * 6 * 5 * 3, 11), w = randomArray(3 * 3 * 3 * 4, 12);
    const rg = refGeometry(shape, 3, 3, 4, [2, 2], [1, 1], 'same');
    const dy = randomArray(2 * rg.OH * rg.OW * 4, 13);
    const xv = Variable.create(Float32Array.from(x), shape, 'x');
    const wv = Variable.create(Float32Array.from(w), [3, 3, 3, 4], 'w', false);
    tidy(() => backward(sum(mul(conv2d(xv, wv, null, { strides: 2, padding: 'same' }), upload(dy, [2, rg.OH, rg.OW, 4])))));
    expect(wv.grad).toBeNull();
    expectClose(await xv.grad!.data(), numericGrad((xx) => refConv(xx, w, rg), x, dy), 1e-4, 'dx');
    for (const v of [xv, wv]) (v.zeroGrad(), v.dispose());
  });

  it('frozen input: only the needed gradients are computed', async () => {
    const x = upload(randomArray(2 * 5 * 5 * 3, 1), [2, 5, 5, 3]);
    const w = Variable.create(Float32Array.from(randomArray(27 * 2, 2)), [3, 3, 3, 2], 'w', false);
    const y = tidy(() => conv2d(x, w, null, { padding: 'same' }));
    expect(y.node).toBeNull();
    y.dispose();
    w.dispose();
  });
});

describe('conv2d grids past the per-dimension workgroup limit', () => {
  it('splits pixel groups over y and z (limit lowered to 13)', async () => {
    const dev = await testDevice();
    const real = dev.limits;
    const low = Object.create(real, { maxComputeWorkgroupsPerDimension: { value: 13 } }) as GPUSupportedLimits;
    const shape = [2, 9, 8, 5];
    const g = convGeometry('t', shape, 3, 3, 6, { strides: 2, padding: 'same' });
    const rg = refGeometry(shape, 3, 3, 6, [2, 2], [1, 1], 'same');
    const x = randomArray(2 * 9 * 8 * 5, 1), w = randomArray(9 * 5 * 6, 2), dy = randomArray(2 * g.OH * g.OW * 6, 3);
    (dev as { limits: GPUSupportedLimits }).limits = low;
    try {
      const tile = { PX: 1, WGX: 4, WGY: 1 }; // 1 pixel per workgroup row: many groups along y
      const [y, dx] = await tidy(() => {
        const wt = upload(w, [3, 3, 5, 6]);
        return [conv2dForward(upload(x, shape), wt, g, { tile }).data(), conv2dDgrad(upload(dy, [2, g.OH, g.OW, 6]), wt, g, { tile }).data()];
      });
      expectClose(await y, refConv(x, w, rg), 1e-5, 'forward');
      expectClose(await dx, numericGrad((xx) => refConv(xx, w, rg), x, dy), 1e-4, 'dgrad');
    } finally {
      (dev as { limits: GPUSupportedLimits }).limits = real;
    }
  });

  it('forwards in both grid layouts split pixel groups over z (limit lowered to 13)', async () => {
    const dev = await testDevice();
    const real = dev.limits;
    const low = Object.create(real, { maxComputeWorkgroupsPerDimension: { value: 13 } }) as GPUSupportedLimits;
    // 49 output pixels one per workgroup row: 49 pixel workgroups over 4 x 13 (3 past the end);
    // 24 filters: 3 channel workgroups of 2 threads with OQ 1 (and the scalar kernel), 2 with OQ 2
    // (the last half empty), 1 with OQ 4.
    const tile = { PX: 1, WGX: 2, WGY: 1 };
    const shape = [1, 9, 9, 8];
    const g = convGeometry('t', shape, 3, 3, 24, { padding: 'valid' });
    const rg = refGeometry(shape, 3, 3, 24, [1, 1], [1, 1], 'valid');
    const x = randomArray(9 * 9 * 8, 4), w = randomArray(9 * 8 * 24, 5), b = randomArray(24, 6);
    const want = refConv(x, w, rg, b, 'relu');
    (dev as { limits: GPUSupportedLimits }).limits = low;
    try {
      expect(pixelGrid(dev, tile, 24, 49, false)).toEqual([3, 13, 4]);
      expect(pixelGrid(dev, tile, 24, 49, true)).toEqual([13, 3, 4]);
      expect(pixelGrid(dev, { PX: 2, WGX: 4, WGY: 1 }, 24, 49, true)).toEqual([13, 2, 2]); // 25 groups over 2 x 13
      for (const pixelsOnX of [false, true])
        for (const [vec4, oq] of [[false, 1], [true, 1], [true, 2], [true, 4]] as const) {
          const y = await tidy(() => conv2dForward(upload(x, shape), upload(w, [3, 3, 8, 24]), g, { bias: upload(b, [24]), activation: 'relu', tile, vec4, oq, pixelsOnX })).data();
          expectClose(y, want, 1e-5, `vec4 ${vec4} OQ=${oq} pixelsOnX=${pixelsOnX}`);
        }
    } finally {
      (dev as { limits: GPUSupportedLimits }).limits = real;
    }
  });

  it('vec4 dgrads split pixel groups over y and z too (limit lowered to 13)', async () => {
    const dev = await testDevice();
    const real = dev.limits;
    const low = Object.create(real, { maxComputeWorkgroupsPerDimension: { value: 13 } }) as GPUSupportedLimits;
    const shape = [2, 9, 8, 16];
    const g = convGeometry('t', shape, 3, 3, 8, { strides: 2, padding: 'same' });
    const rg = refGeometry(shape, 3, 3, 8, [2, 2], [1, 1], 'same');
    const w = randomArray(9 * 16 * 8, 2), dy = randomArray(2 * g.OH * g.OW * 8, 3);
    (dev as { limits: GPUSupportedLimits }).limits = low;
    try {
      const tile = { PX: 1, WGX: 4, WGY: 1 };
      for (const cq of DGRAD_CQ) {
        const dx = await tidy(() => conv2dDgrad(upload(dy, [2, g.OH, g.OW, 8]), upload(w, [3, 3, 16, 8]), g, { tile, cq })).data();
        expectClose(dx, refConvTranspose(dy, w, rg), 1e-5, `CQ=${cq}`);
      }
    } finally {
      (dev as { limits: GPUSupportedLimits }).limits = real;
    }
  });
});

describe('stride-1 input gradient as a forward conv (dgradAsForward)', () => {
  beforeAll(testDevice);
  // [input NHWC, KH, KW, O, dilation, padding]: odd sizes, non-square kernels, dilation, both paddings.
  const cases: [number[], number, number, number, number, 'same' | 'valid'][] = [
    [[2, 7, 9, 8], 3, 3, 12, 1, 'same'],
    [[1, 8, 6, 4], 3, 3, 8, 1, 'valid'],
    [[2, 9, 7, 12], 1, 3, 4, 2, 'same'],
    [[1, 11, 10, 8], 5, 5, 20, 1, 'same'],
    [[3, 9, 9, 4], 3, 3, 4, 2, 'valid'],
    [[2, 5, 5, 16], 1, 1, 36, 1, 'valid'],
    [[1, 6, 7, 8], 2, 2, 4, 1, 'same'], // even kernel: TF pads the extra row and column at the end
    [[1, 7, 6, 4], 4, 2, 8, 2, 'same'],
  ];
  let seed = 1300;
  for (const [shape, KH, KW, O, d, padding] of cases)
    it(`${KH}x${KW} dilation ${d} ${padding} ${shape.join('x')} -> ${O}, with Conv2DTranspose's bias + relu`, async () => {
      const device = await testDevice();
      const k = seed++;
      const g = convGeometry('t', shape, KH, KW, O, { strides: 1, dilation: d, padding });
      expect(dgradAsForward(device, g)).toBe(true);
      const rg = refGeometry(shape, KH, KW, O, [1, 1], [d, d], padding);
      const C = shape[3];
      const w = randomArray(KH * KW * C * O, k), dy = randomArray(shape[0] * g.OH * g.OW * O, k + 1), b = randomArray(C, k + 2);
      const [plain, fused] = await tidy(() => {
        const wt = upload(w, [KH, KW, C, O]), dyt = upload(dy, [shape[0], g.OH, g.OW, O]);
        return [conv2dDgrad(dyt, wt, g).data(), conv2dDgrad(dyt, wt, g, { bias: upload(b, [C]), activation: 'relu' }).data()];
      });
      expectClose(await plain, refConvTranspose(dy, w, rg), 1e-5, 'dgrad');
      expectClose(await fused, refConvTranspose(dy, w, rg, b, 'relu'), 1e-5, 'dgrad + bias + relu');
    });

  it('flips the kernel once per version of its values', async () => {
    const device = await testDevice();
    const g = convGeometry('t', [1, 6, 6, 8], 3, 3, 8, { padding: 'same' });
    const w = Variable.create(Float32Array.from(randomArray(9 * 64, 5)), [3, 3, 8, 8], 'w');
    const dy = upload(randomArray(36 * 8, 6), [1, 6, 6, 8]);
    const count = async () => {
      const d0 = device.dispatches;
      const dx = conv2dDgrad(dy, w, g);
      await device.sync();
      dx.dispose();
      return device.dispatches - d0;
    };
    expect(await count()).toBe(2); // flip + forward
    expect(await count()).toBe(1); // cached flip
    w.write(Float32Array.from(randomArray(9 * 64, 7)));
    expect(await count()).toBe(2); // values changed: flipped again
    const want = refConvTranspose(randomArray(36 * 8, 6), randomArray(9 * 64, 7), refGeometry([1, 6, 6, 8], 3, 3, 8, [1, 1], [1, 1], 'same'));
    expectClose(await tidy(() => conv2dDgrad(dy, w, g)).data(), want, 1e-5, 'after the write');
    w.dispose();
    dy.dispose();
  });

  it('keeps the dgrad kernels for strides, odd channels, chosen variants or path and half precision', async () => {
    const device = await testDevice();
    const g = convGeometry('t', [1, 6, 6, 8], 3, 3, 8, { padding: 'same' });
    expect(dgradAsForward(device, convGeometry('t', [1, 6, 6, 8], 3, 3, 8, { strides: 2, padding: 'same' }))).toBe(false);
    expect(dgradAsForward(device, convGeometry('t', [1, 6, 6, 6], 3, 3, 8, { padding: 'same' }))).toBe(false);
    expect(dgradAsForward(device, g, { cq: 1 })).toBe(false);
    expect(dgradAsForward(device, g, { tile: CONV_TILES[0] })).toBe(false);
    expect(dgradAsForward(device, g, { path: 'kernels' })).toBe(false);
    expect(dgradAsForward(device, g, { path: 'forward' })).toBe(true);
    setPrecision(device, 'mixed');
    try {
      expect(dgradAsForward(device, g)).toBe(false);
    } finally {
      setPrecision(device, 'f32');
    }
  });
});
