// Precisions mixed and f16 of the matmul and conv kernels (src/gpu/precision.ts): every variant the
// kernels choose, on the fallback adapter (rounding emulated with pack2x16float), against a float64
// reference computed on f16-rounded operands, and far enough from the unrounded one that rounding
// cannot silently do nothing; the f16 weight copy's cache; the native-f16 preludes compile.
import { describe, it, beforeAll, afterEach, expect } from 'vitest';
import { testDevice, upload } from '../helpers/gpu.ts';
import { nullDevice } from '../helpers/null-device.ts';
import { randomArray } from '../helpers/random.ts';
import { expectClose, maxAbsDiff } from '../helpers/compare.ts';
import { refConv, refConvTranspose, refConvWgrad, refGeometry, type Geo } from '../helpers/conv-ref.ts';
import { halfBitsToNumber, halves, toHalf } from '../helpers/f16.ts';
import { refMatmul } from '../helpers/matmul-ref.ts';
import { matmul, matmulVariants, MATMUL_TILES, tiledSpec, tileName, type MatmulTile } from '../../src/kernels/matmul.ts';
import { CONV_TILES } from '../../src/kernels/conv-geometry.ts';
import { conv2dDgrad, conv2dForward, conv2dGeometry, conv2dWgrad, DGRAD_CQ, FWD_OQ, fwdVec8Spec, WGRAD_BLOCKS, wgradBlockName, type EpilogueOptions, type WgradBlock } from '../../src/kernels/conv2d.ts';
import { specializeShader } from '../../src/gpu/specialize.ts';
import { halfCopy } from '../../src/kernels/half-weights.ts';
import { setPrecision, type Precision } from '../../src/gpu/precision.ts';
import { bucketSize } from '../../src/gpu/buffer-pool.ts';
import type { KernelSpec } from '../../src/gpu/pipeline-cache.ts';
import type { Device } from '../../src/gpu/device.ts';
import { Variable, type Tensor } from '../../src/graph/tensor.ts';
import { tidy } from '../../src/graph/scope.ts';
import { SGD } from '../../src/train/optimizers/sgd.ts';



/**
 * Ours against the reference on rounded operands (f32 accumulation only: within 1e-5), and at the
 * distance of f16 rounding from the unrounded reference (float32 alone would be ~1e-7 from it).
 */
function expectRounded(ours: Float32Array, rounded: Float64Array, unrounded: Float64Array, what: string): void {
  expectClose(ours, rounded, 1e-5, `${what} vs reference on f16 operands`);
  let maxRef = 1;
  for (const v of unrounded) maxRef = Math.max(maxRef, Math.abs(v));
  const rel = maxAbsDiff(ours, unrounded) / maxRef;
  expect(rel, `${what}: relative distance from the unrounded reference`).toBeGreaterThan(5e-5);
  expect(rel, `${what}: relative distance from the unrounded reference`).toBeLessThan(1e-2);
}

/** The values of a tensor made by `fn`, which is then disposed with everything fn made. */
async function values(fn: () => Tensor): Promise<Float32Array> {
  const t = tidy(fn);
  const v = await t.data();
  t.dispose();
  return v;
}

let device: Device;

beforeAll(async () => {
  device = await testDevice();
});
afterEach(() => {
  setPrecision(device, 'f32');
  matmulVariants.forceScalar = false;
});

describe('f16 rounding', () => {
  it('the JS reference rounds to nearest, ties to even', () => {
    expect(toHalf(1 + 2 ** -11)).toBe(1);
    expect(toHalf(1 + 3 * 2 ** -11)).toBe(1 + 2 ** -9);
    expect(toHalf(65504)).toBe(65504);
    expect(toHalf(65519)).toBe(65504);
    expect(toHalf(-65520)).toBe(-Infinity);
    expect(toHalf(2 ** -25)).toBe(0);
    expect(toHalf(3 * 2 ** -26)).toBe(2 ** -24);
    expect(toHalf(0.1)).toBe(0.0999755859375);
  });

  it('halfCopy packs two halves per u32 (the bytes of array<f16>) as the reference rounds', async () => {
    const special = [1 + 2 ** -11, 1 + 3 * 2 ** -11, -(1 + 2 ** -11), 65504, 65519, 2 ** -25, 3 * 2 ** -26, 2 ** -20, -0.1];
    const data = Float64Array.from([...special, ...randomArray(24, 3, -30, 30)]); // 33: an odd count
    const t = upload(data, [data.length]);
    const view = halfCopy(t);
    const words = new Uint32Array(await device.read(view.buffer, Math.ceil(data.length / 2) * 4));
    const got = Array.from({ length: data.length }, (_, i) => halfBitsToNumber((words[i >> 1] >>> (16 * (i & 1))) & 0xffff));
    expect(got).toEqual(Array.from(data, toHalf));
    expect(words[words.length - 1] >>> 16, 'the odd last half is zero').toBe(0);
    t.dispose();
  });
});


describe('matmul under mixed and f16', () => {
  // [name, M, K, N, transposeA, transposeB, forceScalar, tile]: each variant matmul picks.
  const cases: [string, number, number, number, boolean, boolean, boolean, MatmulTile?][] = [
    ...MATMUL_TILES.map((t): [string, number, number, number, boolean, boolean, boolean, MatmulTile] =>
      [`tiled ${tileName(t)} (NN, dense forward)`, 37, 36, 44, false, false, false, t]),
    ['vec4 mode 1 (TN, dense wgrad)', 12, 37, 8, true, false, false],
    ['vec4 mode 2 (NT, dense dgrad)', 13, 36, 11, false, true, false],
    ['scalar, odd sizes', 7, 19, 5, false, false, false],
    ['scalar forced, transposed', 9, 21, 6, true, true, true],
  ];
  for (const [name, M, K, N, tA, tB, scalar, tile] of cases)
    it(`${name} ${M}x${K}x${N}`, async () => {
      const a = randomArray(M * K, M + K);
      const b = randomArray(K * N, N + 7);
      const bias = randomArray(N, 5);
      const run = async (p: Precision) => {
        setPrecision(device, p);
        matmulVariants.forceScalar = scalar;
        return values(() =>
          matmul(upload(a, tA ? [K, M] : [M, K]), upload(b, tB ? [N, K] : [K, N]), { transposeA: tA, transposeB: tB, bias: upload(bias, [N]), tile }),
        );
      };
      const rounded = refMatmul(halves(a), halves(b), M, K, N, tA, tB, bias);
      const unrounded = refMatmul(a, b, M, K, N, tA, tB, bias);
      expectClose(await run('f32'), unrounded, 1e-5, 'f32');
      const mixed = await run('mixed');
      expectRounded(mixed, rounded, unrounded, `${name} mixed`);
      const f16 = await run('f16');
      expectRounded(f16, rounded, unrounded, `${name} f16`);
      // Half weights hold exactly the values mixed rounds to, summed in the same order.
      expect(Array.from(f16)).toEqual(Array.from(mixed));
    });
});



describe('conv2d under mixed and f16', () => {
  // [name, input NHWC, KH, O, strides, padding]: vec4 channels, odd channels (scalar kernels).
  const geometries: [string, number[], number, number, number, 'same' | 'valid'][] = [
    ['3x3 s1 same', [2, 7, 5, 8], 3, 16, 1, 'same'],
    ['3x3 s2 valid', [1, 9, 8, 12], 3, 8, 2, 'valid'],
    ['odd channels 3->5', [2, 6, 7, 3], 3, 5, 1, 'same'],
  ];
  for (const [gname, shape, KS, O, s, padding] of geometries) {
    const C = shape[3];
    const vec = C % 4 === 0 && O % 4 === 0;
    const rg = refGeometry(shape, KS, KS, O, [s, s], [1, 1], padding);
    const xs = randomArray(shape.reduce((p, q) => p * q), C + O);
    const ws = randomArray(KS * KS * C * O, C * O);
    const dys = randomArray(rg.N * rg.OH * rg.OW * O, O + 3);
    const wShape = [KS, KS, C, O];
    const geom = () => conv2dGeometry('conv2d', shape, upload(ws, wShape), { strides: s, padding });

    // Each forward also with the other grid layout (pixel groups on x).
    const kernels: [string, EpilogueOptions][] = vec
      ? [
          ['scalar', { vec4: false }],
          ...FWD_OQ.map((oq): [string, EpilogueOptions] => [oq === 1 ? 'vec4' : `vec8 oq ${oq}`, { oq }]),
        ]
      : [['scalar', {}]];
    const forward = kernels.flatMap(([n, e]): [string, EpilogueOptions][] => [[n, e], [`${n} pixels on x`, { ...e, pixelsOnX: true }]]);
    for (const [vname, e] of forward)
      it(`forward ${gname} ${vname}`, async () => {
        const run = (p: Precision) => {
          setPrecision(device, p);
          return values(() => conv2dForward(upload(xs, shape), upload(ws, wShape), geom(), e));
        };
        const rounded = refConv(halves(xs), halves(ws), rg);
        const unrounded = refConv(xs, ws, rg);
        const mixed = await run('mixed');
        expectRounded(mixed, rounded, unrounded, `forward ${vname} mixed`);
        const f16 = await run('f16');
        expectRounded(f16, rounded, unrounded, `forward ${vname} f16`);
        expect(Array.from(f16)).toEqual(Array.from(mixed));
      });

    const dgrad: [string, EpilogueOptions][] = vec
      ? [['scalar', { vec4: false }], ...DGRAD_CQ.map((cq): [string, EpilogueOptions] => [cq === 0 ? 'vec4' : `vec8 cq ${cq}`, { cq }])]
      : [['scalar', {}]];
    for (const [vname, e] of dgrad)
      it(`dgrad ${gname} ${vname}`, async () => {
        const run = (p: Precision) => {
          setPrecision(device, p);
          return values(() => conv2dDgrad(upload(dys, [rg.N, rg.OH, rg.OW, O]), upload(ws, wShape), geom(), e));
        };
        const rounded = refConvTranspose(halves(dys), halves(ws), rg);
        const unrounded = refConvTranspose(dys, ws, rg);
        const mixed = await run('mixed');
        expectRounded(mixed, rounded, unrounded, `dgrad ${vname} mixed`);
        const f16 = await run('f16');
        expectRounded(f16, rounded, unrounded, `dgrad ${vname} f16`);
        expect(Array.from(f16)).toEqual(Array.from(mixed));
      });

    const wgrad: [string, boolean, WgradBlock | undefined][] = vec
      ? [['scalar', false, undefined], ...WGRAD_BLOCKS.map((b): [string, boolean, WgradBlock] => [`vec4 block ${wgradBlockName(b)}`, true, b])]
      : [['scalar', true, undefined]];
    for (const [vname, v4, block] of wgrad)
      it(`wgrad ${gname} ${vname}`, async () => {
        const run = (p: Precision) => {
          setPrecision(device, p);
          return values(() => conv2dWgrad(upload(xs, shape), upload(dys, [rg.N, rg.OH, rg.OW, O]), geom(), v4, block));
        };
        const rounded = refConvWgrad(halves(xs), halves(dys), rg);
        const unrounded = refConvWgrad(xs, dys, rg);
        expectRounded(await run('mixed'), rounded, unrounded, `wgrad ${vname} mixed`);
        expectRounded(await run('f16'), rounded, unrounded, `wgrad ${vname} f16`);
      });
  }
});

describe('f16 weight copy', () => {
  const shape = [2, 6, 5, 8];
  const wShape = [3, 3, 8, 12];
  const rg = refGeometry(shape, 3, 3, 12, [1, 1], [1, 1], 'same');
  const xs = randomArray(shape.reduce((p, q) => p * q), 11);
  const halfBytes = bucketSize(Math.ceil((3 * 3 * 8 * 12) / 2) * 4);

  it('is made once per version: reused, remade after assign and optimizer steps, freed on dispose', async () => {
    setPrecision(device, 'f16');
    device.trim(); // no idle buffers: each request gets a buffer of its own bucket
    const live0 = device.pool.stats.liveBytes;
    const x = upload(xs, shape);
    let ws = randomArray(3 * 3 * 8 * 12, 12);
    const w = Variable.create(Float32Array.from(ws), wShape, 'conv/kernel:0');
    const g = conv2dGeometry('conv2d', shape, w, { padding: 'same' });
    const live1 = device.pool.stats.liveBytes;
    const check = async (what: string) => expectClose(await values(() => conv2dForward(x, w, g)), refConv(halves(xs), halves(ws), rg), 1e-5, what);
    const dispatches = async (fn: () => Promise<void>) => {
      const before = device.dispatches;
      await fn();
      return device.dispatches - before;
    };

    expect(await dispatches(() => check('first use')), 'pack + conv').toBe(2);
    expect(device.pool.stats.liveBytes - live1, 'the half copy is live while w is').toBe(halfBytes);
    expect(await dispatches(() => check('reuse')), 'conv only: the copy is cached').toBe(1);
    const saved = w.view();
    const dy = upload(randomArray(2 * 6 * 5 * 12, 4), [2, 6, 5, 12]);
    const dgrad = async () => void (await values(() => conv2dDgrad(dy, saved, g, { cq: 0 })));
    expect(await dispatches(dgrad), "a view (the tape's saved kernel) shares it").toBe(1);
    dy.dispose();

    ws = randomArray(ws.length, 13);
    w.assign(Float32Array.from(ws));
    expect(await dispatches(() => check('after assign')), 'remade after assign').toBe(2);

    const grad = randomArray(ws.length, 14);
    w.grad = upload(grad, wShape);
    new SGD({ learningRate: 0.5 }).step([w]);
    ws = Float64Array.from(await w.data());
    expect(await dispatches(() => check('after an optimizer step')), 'remade after a step').toBe(2);
    expect(device.pool.stats.liveBytes - live1, 'one copy, rewritten in place').toBe(halfBytes);

    w.dispose();
    expect(device.pool.stats.liveBytes - live1, 'a live view keeps the storage and its copy').toBe(halfBytes);
    saved.dispose();
    x.dispose();
    await device.sync();
    expect(device.pool.stats.liveBytes, 'the copy goes back to the pool with the weight').toBe(live0);
  });

  it('does not grow the pool over a long run of steps', async () => {
    setPrecision(device, 'f16');
    const x = upload(xs, shape);
    const w = Variable.create(Float32Array.from(randomArray(3 * 3 * 8 * 12, 15)), wShape, 'conv/kernel:0');
    const g = conv2dGeometry('conv2d', shape, w, { padding: 'same' });
    const opt = new SGD({ learningRate: 0.01 });
    const dy = upload(randomArray(2 * 6 * 5 * 12, 16), [2, 6, 5, 12]);
    const live: number[] = [];
    const misses: number[] = [];
    for (let step = 0; step < 12; step++) {
      w.grad = tidy(() => {
        conv2dForward(x, w, g);
        conv2dDgrad(dy, w, g);
        return conv2dWgrad(x, dy, g);
      });
      opt.step([w]);
      await device.sync();
      live.push(device.pool.stats.liveBytes);
      misses.push(device.pool.stats.misses);
    }
    expect(live.at(-1), `live bytes per step: ${live.join(', ')}`).toBe(live[1]);
    expect(misses.at(-1), `pool misses per step: ${misses.join(', ')}`).toBe(misses[1]);
    for (const t of [x, w, dy]) t.dispose();
    opt.dispose();
  });

  it('under f32 and mixed no copy is made', async () => {
    for (const p of ['f32', 'mixed'] as const) {
      setPrecision(device, p);
      const w = Variable.create(Float32Array.from(randomArray(3 * 3 * 8 * 12, 17)), wShape, 'w');
      const x = upload(xs, shape);
      await device.sync();
      const live = device.pool.stats.liveBytes;
      const d0 = device.dispatches;
      await values(() => conv2dForward(x, w, conv2dGeometry('conv2d', shape, w, { padding: 'same' })));
      await device.sync();
      expect(device.dispatches - d0, p).toBe(1);
      expect(device.pool.stats.liveBytes, p).toBe(live);
      w.dispose();
      x.dispose();
    }
  });
});

describe('native f16 preludes compile (Dawn Null backend, shader-f16)', async () => {
  const nd = await nullDevice();
  const tile = { PX: 4, WGX: 4, WGY: 16 };
  const specs: KernelSpec[] = [
    { shader: 'matmul', inputs: 3, outputs: 1, overrides: { WG: 8 } },
    ...MATMUL_TILES.map(tiledSpec),
    ...[0, 1, 2].map((MODE) => ({ shader: 'matmul_vec4', inputs: 3, outputs: 1, overrides: { WG: 8, MODE } })),
    // The forwards in both grid layouts (override PXG).
    ...[0, 1].flatMap((PXG) => [
      { shader: 'conv2d', inputs: 3, outputs: 1, overrides: { ...tile, PXG } },
      { shader: 'conv2d_vec4', inputs: 3, outputs: 1, overrides: { ...tile, PXG } },
      ...FWD_OQ.filter((q) => q > 1).flatMap((OQ) => CONV_TILES.map((t) => fwdVec8Spec(t, OQ, PXG === 1))),
    ]),
    { shader: 'conv2d_dgrad', inputs: 3, outputs: 1, overrides: tile },
    { shader: 'conv2d_dgrad_vec4', inputs: 3, outputs: 1, overrides: tile },
    ...DGRAD_CQ.filter((c) => c > 0).map((CQ) => ({ shader: 'conv2d_dgrad_vec8', inputs: 3, outputs: 1, overrides: { ...tile, CQ } })),
    { shader: 'conv2d_wgrad', inputs: 2, outputs: 1, overrides: { WGX: 4, WGY: 16 } },
    ...WGRAD_BLOCKS.map((b) => ({ shader: specializeShader('conv2d_wgrad_vec4', { CQ: b.CQ, FQ: b.FQ }), inputs: 2, outputs: 1, overrides: { WGX: 8, WGY: 8 } })),
  ];
  for (const prelude of ['precision_mixed_native', 'precision_f16_native', 'precision_f32', 'precision_mixed', 'precision_f16'])
    it.skipIf(!nd)(prelude, async () => {
      expect(nd!.features.has('shader-f16')).toBe(true);
      for (const spec of specs) await nd!.pipelines.check({ ...spec, prelude });
    });
  it.skipIf(!nd)('pack_half', () => nd!.pipelines.check({ shader: 'pack_half', inputs: 1, outputs: 1 }));
});
