// Keras's random augmentation layers: identity at inference, exact flips, seeded determinism,
// geometry (crop/translate/rotate/zoom) against a float64 CPU resampler, contrast and brightness
// against CPU references, configs through the registry, and the bottleneck cache turned off.
import { beforeAll, describe, expect, it } from 'vitest';
import { testDevice, upload } from '../helpers/gpu.ts';
import { randomArray } from '../helpers/random.ts';
import { expectClose } from '../helpers/compare.ts';
import { RandomFlip, RandomRotation, RandomZoom, RandomTranslation, RandomCrop } from '../../src/graph/layers/random-affine.ts';
import { RandomContrast, RandomBrightness } from '../../src/graph/layers/random-color.ts';
import { seededUniform, type RandomLayer } from '../../src/graph/layers/random-base.ts';
import { LAYER_CLASSES } from '../../src/graph/layers/registry.ts';
import { Input, Model } from '../../src/graph/model.ts';
import { Conv2D } from '../../src/graph/layers/conv2d.ts';
import { Dense } from '../../src/graph/layers/dense.ts';
import { Flatten } from '../../src/graph/layers/flatten.ts';
import { splitModel, cacheOffNotice } from '../../src/train/bottleneck.ts';
import { tidy } from '../../src/graph/scope.ts';
import type { Layer } from '../../src/graph/layer.ts';

const [N, H, W, C] = [3, 5, 7, 2];
const xs = randomArray(N * H * W * C, 21, 0, 255);
const at = (x: ArrayLike<number>, n: number, y: number, xx: number, c: number, h = H, w = W) => x[((n * h + y) * w + xx) * C + c];

async function apply(layer: Layer, training: boolean, data: ArrayLike<number> = xs, shape = [N, H, W, C]): Promise<Float32Array> {
  if (!layer.built) layer.build([shape.slice(1)]);
  return tidy(() => layer.call([upload(data, shape)], { training }).data());
}

/** The generator a RandomLayer uses on its k-th training call (same mixing as random-base.ts). */
function rngOf(seed: number, call: number): () => number {
  let h = (seed ^ Math.imul(call, 0x9e3779b9)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return seededUniform((h ^ (h >>> 16)) >>> 0);
}

/** float64 TF ImageProjectiveTransform (bilinear, reflect or constant fill) for one image's transform. */
function resampleRef(t: number[], n: number, oh: number, ow: number, fill: 'reflect' | 'constant' | 'nearest', interp: 'bilinear' | 'nearest' = 'bilinear'): number[] {
  const out: number[] = [];
  const map = (v: number, len: number) => {
    if (fill === 'constant') return v;
    if (fill === 'nearest') return Math.min(len - 1, Math.max(0, v));
    const sz2 = 2 * len;
    if (v < 0) {
      if (v < -sz2) v = sz2 * Math.trunc(-v / sz2) + v;
      v = v < -len ? v + sz2 : -v - 1;
    } else if (v > len - 1) {
      v -= sz2 * Math.trunc(v / sz2);
      if (v >= len) v = sz2 - v - 1;
    }
    return Math.min(len - 1, Math.max(0, v));
  };
  const read = (y: number, x: number, c: number) => (y < 0 || y > H - 1 || x < 0 || x > W - 1 ? 0 : at(xs, n, y, x, c));
  for (let y = 0; y < oh; y++)
    for (let x = 0; x < ow; x++)
      for (let c = 0; c < C; c++) {
        const k = t[6] * x + t[7] * y + 1;
        const sx = map((t[0] * x + t[1] * y + t[2]) / k, W);
        const sy = map((t[3] * x + t[4] * y + t[5]) / k, H);
        if (interp === 'nearest') {
          out.push(read(Math.round(sy), Math.round(sx), c));
          continue;
        }
        const [y0, x0] = [Math.floor(sy), Math.floor(sx)];
        const top = (x0 + 1 - sx) * read(y0, x0, c) + (sx - x0) * read(y0, x0 + 1, c);
        const bot = (x0 + 1 - sx) * read(y0 + 1, x0, c) + (sx - x0) * read(y0 + 1, x0 + 1, c);
        out.push((y0 + 1 - sy) * top + (sy - y0) * bot);
      }
  return out;
}

describe('augmentation layers', () => {
  beforeAll(testDevice);

  it('identity when not training (RandomCrop: the centred window)', async () => {
    const layers: Layer[] = [
      new RandomFlip({ seed: 1 }),
      new RandomRotation({ factor: 0.2, seed: 1 }),
      new RandomZoom({ heightFactor: 0.3, seed: 1 }),
      new RandomTranslation({ heightFactor: 0.2, widthFactor: 0.2, seed: 1 }),
      new RandomContrast({ factor: 0.5, seed: 1 }),
      new RandomBrightness({ factor: 0.5, seed: 1 }),
    ];
    for (const l of layers) expect(Array.from(await apply(l, false)), l.className).toEqual(Array.from(Float32Array.from(xs)));
    const crop = new RandomCrop({ height: 3, width: 4, seed: 1 });
    const y = await apply(crop, false);
    const ref: number[] = [];
    for (let n = 0; n < N; n++) for (let yy = 0; yy < 3; yy++) for (let xx = 0; xx < 4; xx++) for (let c = 0; c < C; c++) ref.push(at(xs, n, yy + 1, xx + 1, c));
    expect(Array.from(y)).toEqual(ref.map(Math.fround));
  });

  it('flips are exact and follow the seeded draws; a fixed seed repeats the sequence', async () => {
    const seed = 77;
    const a = new RandomFlip({ seed, mode: 'horizontal_and_vertical' });
    const b = new RandomFlip({ seed, mode: 'horizontal_and_vertical' });
    for (let call = 1; call <= 3; call++) {
      const y = await apply(a, true);
      expect(Array.from(await apply(b, true))).toEqual(Array.from(y));
      const rng = rngOf(seed, call);
      for (let n = 0; n < N; n++) {
        const [fh, fv] = [rng() < 0.5, rng() < 0.5];
        for (let yy = 0; yy < H; yy++)
          for (let xx = 0; xx < W; xx++)
            for (let c = 0; c < C; c++) expect(at(y, n, yy, xx, c)).toBe(Math.fround(at(xs, n, fv ? H - 1 - yy : yy, fh ? W - 1 - xx : xx, c)));
      }
    }
    const h = await apply(new RandomFlip({ seed: 3, mode: 'horizontal' }), true);
    const rng = rngOf(3, 1);
    for (let n = 0; n < N; n++) {
      const fh = rng() < 0.5;
      expect(at(h, n, 2, 0, 1)).toBe(Math.fround(at(xs, n, 2, fh ? W - 1 : 0, 1)));
    }
  });

  it('translation, rotation, zoom and crop match a float64 resampler with the same draws', async () => {
    const cases: [RandomLayer, (rng: () => number) => number[], 'reflect' | 'constant' | 'nearest', number, number, 'bilinear' | 'nearest'][] = [
      [new RandomTranslation({ heightFactor: 0.3, widthFactor: [-0.2, 0.4], seed: 5 }), (r) => {
        const dy = (-0.3 + 0.6 * r()) * H;
        const dx = (-0.2 + 0.6 * r()) * W;
        return [1, 0, -dx, 0, 1, -dy, 0, 0];
      }, 'reflect', H, W, 'bilinear'],
      [new RandomRotation({ factor: 0.1, seed: 6, fillMode: 'constant' }), (r) => {
        const a = (-0.1 + 0.2 * r()) * 2 * Math.PI;
        const [cs, sn] = [Math.cos(a), Math.sin(a)];
        return [cs, -sn, (W - 1 - (cs * (W - 1) - sn * (H - 1))) / 2, sn, cs, (H - 1 - (sn * (W - 1) + cs * (H - 1))) / 2, 0, 0];
      }, 'constant', H, W, 'bilinear'],
      [new RandomZoom({ heightFactor: [-0.3, 0.3], widthFactor: 0.2, seed: 7 }), (r) => {
        const zy = 1 + (-0.3 + 0.6 * r());
        const zx = 1 + (-0.2 + 0.4 * r());
        return [zx, 0, ((W - 1) / 2) * (1 - zx), 0, zy, ((H - 1) / 2) * (1 - zy), 0, 0];
      }, 'reflect', H, W, 'bilinear'],
      [new RandomCrop({ height: 2, width: 5, seed: 8 }), (r) => {
        const dy = Math.floor(r() * (H - 2 + 1));
        const dx = Math.floor(r() * (W - 5 + 1));
        return [1, 0, dx, 0, 1, dy, 0, 0];
      }, 'nearest', 2, 5, 'nearest'],
    ];
    for (const [layer, transform, fill, oh, ow, interp] of cases) {
      const seed = layer.seed!;
      const y = await apply(layer, true);
      const rng = rngOf(seed, 1);
      const ref: number[] = [];
      for (let n = 0; n < N; n++) ref.push(...resampleRef(transform(rng), n, oh, ow, fill, interp));
      expectClose(y, ref, 1e-5, layer.className);
      // The next call draws new transforms.
      expect(Array.from(await apply(layer, true))).not.toEqual(Array.from(y));
    }
  });

  it('contrast and brightness against CPU references', async () => {
    const con = new RandomContrast({ factor: [0.4, 0.6], seed: 9 });
    const y = await apply(con, true);
    const f = con.factors(N, rngOf(9, 1));
    const ref: number[] = [];
    for (let n = 0; n < N; n++) {
      const mean = [0, 1].map((c) => {
        let s = 0;
        for (let i = 0; i < H * W; i++) s += xs[(n * H * W + i) * C + c];
        return s / (H * W);
      });
      for (let i = 0; i < H * W; i++) for (let c = 0; c < C; c++) ref.push((xs[(n * H * W + i) * C + c] - mean[c]) * f[n] + mean[c]);
    }
    for (const v of f) expect(v >= 0.6 && v <= 1.6).toBe(true);
    expectClose(y, ref, 1e-5, 'RandomContrast');
    const br = new RandomBrightness({ factor: 0.4, seed: 10 });
    const yb = await apply(br, true);
    const d = br.deltas(N, rngOf(10, 1));
    const refb = Array.from(xs, (v, i) => Math.min(255, Math.max(0, v + d[Math.floor(i / (H * W * C))])));
    expectClose(yb, refb, 1e-5, 'RandomBrightness');
    expect(refb.some((v) => v === 255 || v === 0)).toBe(true);
  });

  it('configs round-trip through the registry', () => {
    const layers = [
      new RandomFlip({ mode: 'vertical', seed: 2 }),
      new RandomRotation({ factor: [-0.1, 0.2], fillMode: 'wrap', interpolation: 'nearest' }),
      new RandomZoom({ heightFactor: 0.1, widthFactor: null }),
      new RandomTranslation({ heightFactor: 0.1, widthFactor: 0.2, fillMode: 'constant', fillValue: 3 }),
      new RandomCrop({ height: 3, width: 3 }),
      new RandomContrast({ factor: 0.2 }),
      new RandomBrightness({ factor: [-0.1, 0.3], valueRange: [0, 1] }),
    ];
    for (const l of layers) {
      const c = JSON.parse(JSON.stringify(l.getConfig()));
      const back = LAYER_CLASSES[l.className](c);
      expect(back.getConfig()).toEqual(c);
      expect((back as RandomLayer).isStochastic).toBe(true);
    }
  });

  it('a random layer in the frozen part turns the bottleneck cache off, with a notice naming it', () => {
    const x = Input([6, 6, 2]);
    const aug = new RandomFlip({ name: 'flip', seed: 1 });
    const conv = new Conv2D({ filters: 2, kernelSize: [3, 3], name: 'conv', trainable: false });
    const y = new Dense({ units: 2, name: 'head' }).apply(new Flatten({}).apply(conv.apply(aug.apply(x))));
    const m = new Model({ inputs: x, outputs: y });
    const split = splitModel(m)!;
    expect(split.deterministic).toBe(false);
    expect(cacheOffNotice(split)).toBe('bottleneck cache off: flip (RandomFlip) changes the frozen part\'s output between epochs');
    m.dispose();
  });
});
