// The conv and matmul autotuners: they only ever store variants from the tested lists (CONV_TILES,
// FWD_OQ, DGRAD_CQ, WGRAD_BLOCKS, DW_CQ, MATMUL_TILES; conv2d.test.ts, depthwise.test.ts and
// matmul.test.ts check each against the float64 reference), ignore stale entries, and the
// kernels run the stored choice with the reference's results.
import { describe, it, beforeAll, expect } from 'vitest';
import { testDevice, upload } from '../helpers/gpu.ts';
import { randomArray } from '../helpers/random.ts';
import { expectClose } from '../helpers/compare.ts';
import { numericGrad } from '../helpers/gradcheck.ts';
import { refConv, refConvTranspose, refDepthwise, refGeometry } from '../helpers/conv-ref.ts';
import type { Device } from '../../src/gpu/device.ts';
import { CONV_TILES, convGeometry, FWD_TILES } from '../../src/kernels/conv-geometry.ts';
import { conv2dDgrad, conv2dForward, conv2dWgrad, DGRAD_CQ, DGRAD_PATHS, dgradAsForward, dgradForwardGeometry, FWD_OQ, fwdOqs, fwdTiles, WGRAD_BLOCKS, wgradBlockName, wgradBlocks } from '../../src/kernels/conv2d.ts';
import { depthwiseDgrad, depthwiseForward, DW_CQ } from '../../src/kernels/depthwise.ts';
import { tuneConv } from '../../src/kernels/conv-tuning.ts';
import { tuneMatmul } from '../../src/kernels/matmul-tuning.ts';
import { matmul, MATMUL_TILES, matmulTiles, tileName, tunedMatmulTile } from '../../src/kernels/matmul.ts';
import { nullDevice } from '../helpers/null-device.ts';
import { refMatmul } from '../helpers/matmul-ref.ts';
import { convKey, matmulKey, memoryTuningStore, tunedChoice, setTuningStore, tunedConvTile, tunedNumber } from '../../src/kernels/tuning.ts';
import { tidy } from '../../src/graph/scope.ts';

describe('conv autotuner', () => {
  let device: Device;
  beforeAll(async () => {
    device = await testDevice();
  });

  it('stores only tested variants, and the kernels then match the reference', async () => {
    const store = memoryTuningStore();
    setTuningStore(device, store);
    try {
      // Stride 2: the input gradient runs the dgrad kernels (stride 1 runs a forward conv, below).
      const shape = [2, 7, 9, 8];
      const O = 12;
      const g = convGeometry('t', shape, 3, 3, O, { strides: 2, padding: 'same' });
      const reports = await tuneConv('conv2d', g, ['fwd', 'dgrad', 'wgrad']);
      expect(reports.map((r) => r.key)).toEqual([
        convKey('conv2d_oq', g), convKey('conv2d', g), convKey('conv2d_dgrad_cq', g), convKey('conv2d_dgrad', g), convKey('conv2d_wgrad', g),
      ]);
      expect(tunedNumber(device, convKey('conv2d_oq', g), FWD_OQ)).toBe(FWD_OQ[reports[0].choice]);
      const tiles = fwdTiles(device, FWD_OQ[reports[0].choice]); // the blocked forward has larger tiles
      expect(tiles.length).toBe(FWD_OQ[reports[0].choice] > 1 ? FWD_TILES.length : CONV_TILES.length);
      expect(tunedConvTile(device, 'conv2d', g, tiles)).toBe(tiles[reports[1].choice]);
      expect(tunedNumber(device, convKey('conv2d_dgrad_cq', g), DGRAD_CQ)).toBe(DGRAD_CQ[reports[2].choice]);
      expect(tunedConvTile(device, 'conv2d_dgrad', g)).toBe(CONV_TILES[reports[3].choice]);
      expect(WGRAD_BLOCKS).toContain(tunedChoice(device, convKey('conv2d_wgrad', g), WGRAD_BLOCKS, wgradBlockName));
      // Tuned again only when forced.
      expect(await tuneConv('conv2d', g, ['fwd'])).toEqual([]);
      expect((await tuneConv('conv2d', g, ['fwd'], true)).length).toBe(2); // filter quads, then tile
      // A tile stored before the dgrad had channel quads to choose: both tuned again.
      store.entries.delete(convKey('conv2d_dgrad_cq', g));
      expect((await tuneConv('conv2d', g, ['dgrad'])).map((r) => r.key)).toEqual([convKey('conv2d_dgrad_cq', g), convKey('conv2d_dgrad', g)]);

      const rg = refGeometry(shape, 3, 3, O, [2, 2], [1, 1], 'same');
      const x = randomArray(2 * 7 * 9 * 8, 11), w = randomArray(9 * 8 * O, 12), dy = randomArray(2 * g.OH * g.OW * O, 13);
      const [y, dx, dw] = await tidy(() => {
        const xt = upload(x, shape), wt = upload(w, [3, 3, 8, O]), dyt = upload(dy, [2, g.OH, g.OW, O]);
        return [conv2dForward(xt, wt, g).data(), conv2dDgrad(dyt, wt, g).data(), conv2dWgrad(xt, dyt, g).data()];
      });
      expectClose(await y, refConv(x, w, rg), 1e-5, 'forward');
      expectClose(await dx, numericGrad((xx) => refConv(xx, w, rg), x, dy), 1e-4, 'dgrad');
      expectClose(await dw, numericGrad((ww) => refConv(x, ww, rg), w, dy), 1e-4, 'wgrad');
    } finally {
      setTuningStore(device, null);
    }
  });

  it('a stride-1 input gradient tunes its forward path and the dgrad kernels, then keeps the faster', async () => {
    const store = memoryTuningStore();
    setTuningStore(device, store);
    try {
      const g = convGeometry('t', [2, 6, 7, 8], 3, 3, 12, { strides: 1, padding: 'valid' });
      expect(dgradAsForward(device, g)).toBe(true); // untuned: the forward path
      const fg = dgradForwardGeometry(g);
      const reports = await tuneConv('conv2d', g, ['dgrad']);
      expect(reports.map((r) => r.key)).toEqual([
        convKey('conv2d_oq', fg), convKey('conv2d', fg), convKey('conv2d_dgrad_cq', g), convKey('conv2d_dgrad', g), convKey('conv2d_dgrad_path', g),
      ]);
      const path = DGRAD_PATHS[reports[4].choice];
      expect(store.get(convKey('conv2d_dgrad_path', g))).toBe(path);
      expect(dgradAsForward(device, g)).toBe(path === 'forward');
      expect(await tuneConv('conv2d', g, ['dgrad'])).toEqual([]);
      // Either path gives the reference's input gradient.
      const rg = refGeometry([2, 6, 7, 8], 3, 3, 12, [1, 1], [1, 1], 'valid');
      const w = randomArray(9 * 8 * 12, 41), dy = randomArray(2 * g.OH * g.OW * 12, 42);
      for (const p of DGRAD_PATHS) {
        const dx = await tidy(() => conv2dDgrad(upload(dy, [2, g.OH, g.OW, 12]), upload(w, [3, 3, 8, 12]), g, { path: p })).data();
        expectClose(dx, refConvTranspose(dy, w, rg), 1e-5, `path ${p}`);
      }
    } finally {
      setTuningStore(device, null);
    }
  });

  it('depthwise (multiplier 1, channel quads): channel quads then tile for forward and dgrad', async () => {
    const store = memoryTuningStore();
    setTuningStore(device, store);
    try {
      const shape = [2, 9, 7, 12];
      const g = convGeometry('t', shape, 3, 3, 12, { strides: 2, padding: 'same' });
      const reports = await tuneConv('depthwise', g, ['fwd', 'dgrad', 'wgrad']);
      expect(reports.map((r) => r.key)).toEqual([convKey('depthwise_cq', g), convKey('depthwise', g), convKey('depthwise_dgrad_cq', g), convKey('depthwise_dgrad', g)]);
      expect(tunedNumber(device, convKey('depthwise_cq', g), DW_CQ)).toBe(DW_CQ[reports[0].choice]);
      expect(tunedConvTile(device, 'depthwise', g)).toBe(CONV_TILES[reports[1].choice]);
      expect(tunedNumber(device, convKey('depthwise_dgrad_cq', g), DW_CQ)).toBe(DW_CQ[reports[2].choice]);
      expect(tunedConvTile(device, 'depthwise_dgrad', g)).toBe(CONV_TILES[reports[3].choice]);

      const rg = refGeometry(shape, 3, 3, 12, [2, 2], [1, 1], 'same');
      const x = randomArray(2 * 9 * 7 * 12, 21), w = randomArray(9 * 12, 22), dy = randomArray(2 * g.OH * g.OW * 12, 23);
      const [y, dx] = await tidy(() => {
        const wt = upload(w, [3, 3, 12, 1]);
        return [depthwiseForward(upload(x, shape), wt, g).data(), depthwiseDgrad(upload(dy, [2, g.OH, g.OW, 12]), wt, g).data()];
      });
      expectClose(await y, refDepthwise(x, w, rg), 1e-5, 'forward');
      expectClose(await dx, numericGrad((xx) => refDepthwise(xx, w, rg), x, dy), 1e-4, 'dgrad');
    } finally {
      setTuningStore(device, null);
    }
  });

  it('ignores entries that are not known variants', () => {
    const g = convGeometry('t', [1, 5, 5, 4], 3, 3, 4, { padding: 'same' });
    setTuningStore(device, memoryTuningStore({
      [convKey('conv2d', g)]: JSON.stringify({ PX: 3, WGX: 5, WGY: 7 }),
      [convKey('conv2d_dgrad', g)]: 'not json',
      [convKey('conv2d_wgrad', g)]: '3x3',
      [convKey('conv2d_dgrad_cq', g)]: '3',
      [convKey('depthwise_cq', g)]: '8',
    }));
    try {
      expect(tunedConvTile(device, 'conv2d', g)).toBeNull();
      expect(tunedConvTile(device, 'conv2d_dgrad', g)).toBeNull();
      expect(tunedChoice(device, convKey('conv2d_wgrad', g), WGRAD_BLOCKS, wgradBlockName)).toBeNull();
      expect(tunedNumber(device, convKey('conv2d_dgrad_cq', g), DGRAD_CQ)).toBeNull();
      expect(tunedNumber(device, convKey('depthwise_cq', g), DW_CQ)).toBeNull();
    } finally {
      setTuningStore(device, null);
    }
  });

  it('refuses to tune without a store', async () => {
    const g = convGeometry('t', [1, 5, 5, 4], 3, 3, 4, { padding: 'same' });
    await expect(tuneConv('conv2d', g, ['fwd'])).rejects.toThrow(/no tuning store/);
  });

  it('matmul: stores one of MATMUL_TILES, which matmul then runs with the reference result', async () => {
    const store = memoryTuningStore();
    setTuningStore(device, store);
    try {
      const [M, K, N] = [70, 12, 36];
      const reports = await tuneMatmul(M, K, N);
      expect(reports.map((r) => r.key)).toEqual([matmulKey(M, K, N)]);
      expect(reports[0].ms.length).toBe(MATMUL_TILES.length);
      const tile = tunedMatmulTile(device, M, K, N);
      expect(tile).toBe(MATMUL_TILES[reports[0].choice]);
      expect(await tuneMatmul(M, K, N)).toEqual([]); // stored: tuned again only when forced
      expect(await tuneMatmul(M, 6, N)).toEqual([]); // K % 4: the tiled kernel does not run
      // A stale or unknown entry counts as nothing stored.
      store.set(matmulKey(M, K, N), '12x12');
      expect(tunedMatmulTile(device, M, K, N)).toBeNull();
      for (const t of MATMUL_TILES) {
        store.set(matmulKey(M, K, N), tileName(t));
        const a = randomArray(M * K, 31), b = randomArray(K * N, 32);
        const c = await tidy(() => matmul(upload(a, [M, K]), upload(b, [K, N]))).data();
        expectClose(c, refMatmul(a, b, M, K, N, false, false), 1e-5, `stored ${tileName(t)}`);
      }
    } finally {
      setTuningStore(device, null);
    }
  });

  it('offers the large register blocks to CPU adapters only (Dawn Null backend standing in for a GPU)', async () => {
    expect(device.isSoftware).toBe(true); // llvmpipe or SwiftShader here
    expect(matmulTiles(device)).toEqual(MATMUL_TILES);
    expect(wgradBlocks(device)).toEqual(WGRAD_BLOCKS);
    expect(fwdOqs(device)).toEqual(FWD_OQ);
    expect(fwdTiles(device, 8)).toEqual(FWD_TILES);
    const gpu = await nullDevice();
    if (!gpu) return;
    expect(gpu.isSoftware).toBe(false);
    expect(matmulTiles(gpu).map(tileName)).toEqual(['8x8']);
    expect(wgradBlocks(gpu).map(wgradBlockName)).toEqual(['1x1', '1x2', '1x4']);
    expect(fwdOqs(gpu)).toEqual([1, 2, 4]);
    expect(fwdTiles(gpu, 4)).toEqual(CONV_TILES);
  });
});
