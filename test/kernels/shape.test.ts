import { describe, it, beforeAll } from 'vitest';
import { testDevice } from '../helpers/gpu.ts';
import { randomArray } from '../helpers/random.ts';
import { checkOp } from '../helpers/op-check.ts';
import { concat, crop2d, pad2d, reshape, resizeBilinear2d, upsampleNearest2d } from '../../src/graph/ops/shape.ts';

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** y[b, i, j, k] = x[b, i - top, j - left, k] or 0. */
function refShift(x: Float64Array, [n, h, w, c]: number[], oh: number, ow: number, top: number, left: number) {
  const y = new Float64Array(n * oh * ow * c);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let k = 0; k < c; k++) {
          const yy = i - top, xx = j - left;
          if (yy >= 0 && yy < h && xx >= 0 && xx < w) y[((b * oh + i) * ow + j) * c + k] = x[((b * h + yy) * w + xx) * c + k];
        }
  return y;
}

function refConcat(xs: Float64Array[], shapes: number[][], axis: number) {
  const outer = size(shapes[0].slice(0, axis));
  const inner = size(shapes[0].slice(axis + 1));
  const out: number[] = [];
  for (let o = 0; o < outer; o++)
    xs.forEach((x, i) => {
      const block = shapes[i][axis] * inner;
      for (let k = 0; k < block; k++) out.push(x[o * block + k]);
    });
  return Float64Array.from(out);
}

function refNearest(x: Float64Array, [n, h, w, c]: number[], sh: number, sw: number, sc: number) {
  const [oh, ow, oc] = [h * sh, w * sw, c * sc];
  const y = new Float64Array(n * oh * ow * oc);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let k = 0; k < oc; k++) y[((b * oh + i) * ow + j) * oc + k] = x[((b * h + Math.floor(i / sh)) * w + Math.floor(j / sw)) * c + Math.floor(k / sc)];
  return y;
}

/** TF resize_bilinear (align_corners=False) with or without half-pixel centres, in float64. */
function refBilinear(x: Float64Array, [n, h, w, c]: number[], oh: number, ow: number, half: boolean) {
  const taps = (o: number, inS: number, outS: number) => {
    const scale = inS / outS;
    const src = half ? (o + 0.5) * scale - 0.5 : o * scale;
    const f = Math.floor(src);
    return [Math.min(Math.max(f, 0), inS - 1), Math.min(Math.ceil(src), inS - 1), src - f];
  };
  const y = new Float64Array(n * oh * ow * c);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++) {
        const [y0, y1, ty] = taps(i, h, oh);
        const [x0, x1, tx] = taps(j, w, ow);
        for (let k = 0; k < c; k++) {
          const v = (yy: number, xx: number) => x[((b * h + yy) * w + xx) * c + k];
          const top = v(y0, x0) + (v(y0, x1) - v(y0, x0)) * tx;
          const bot = v(y1, x0) + (v(y1, x1) - v(y1, x0)) * tx;
          y[((b * oh + i) * ow + j) * c + k] = top + (bot - top) * ty;
        }
      }
  return y;
}

describe('shape ops forward and backward', () => {
  beforeAll(testDevice);
  let seed = 100;
  for (const shape of [[1, 3, 4, 2], [2, 5, 3, 3]]) {
    for (const e of [[1, 1, 1, 1], [0, 2, 3, 1], [2, 0, 0, 1]])
      it(`zero padding ${e} of ${shape}`, async () => {
        const [t, b, l, r] = e;
        const [, h, w] = shape;
        await checkOp('pad2d', [{ data: randomArray(size(shape), seed++), shape }], ([x]) => pad2d(x, e), ([x]) => refShift(x, shape, h + t + b, w + l + r, t, l));
      });
    for (const e of [[1, 1, 1, 1], [0, 1, 1, 0], [1, 0, 0, 2]])
      it(`cropping ${e} of ${shape}`, async () => {
        const [t, b, l, r] = e;
        const [, h, w] = shape;
        await checkOp('crop2d', [{ data: randomArray(size(shape), seed++), shape }], ([x]) => crop2d(x, e), ([x]) => refShift(x, shape, h - t - b, w - l - r, -t, -l));
      });
  }

  for (const [shapes, axis] of [
    [[[2, 3, 2, 3], [2, 3, 2, 5], [2, 3, 2, 1]], 3],
    [[[1, 3, 2, 3], [1, 1, 2, 3]], 1],
    [[[3, 5], [3, 2]], -1],
    [[[2, 4], [1, 4]], 0],
  ] as [number[][], number][])
    it(`concatenate ${shapes.map((s) => `[${s}]`).join(' ')} on axis ${axis}`, async () => {
      const a = axis < 0 ? axis + shapes[0].length : axis;
      await checkOp('concat', shapes.map((s) => ({ data: randomArray(size(s), seed++), shape: s })), (xs) => concat(xs, axis), (xs) => refConcat(xs, shapes, a));
    });

  for (const [shape, f] of [[[1, 3, 2, 2], [2, 2, 1]], [[2, 2, 3, 1], [3, 2, 1]], [[2, 3, 3, 1], [3, 3, 3]], [[1, 2, 2, 3], [1, 2, 2]]] as number[][][])
    it(`nearest upsampling ${shape} by ${f}`, async () => {
      await checkOp('upsample', [{ data: randomArray(size(shape), seed++), shape }], ([x]) => upsampleNearest2d(x, f[0], f[1], f[2]), ([x]) => refNearest(x, shape, f[0], f[1], f[2]));
    });

  for (const half of [false, true])
    for (const [shape, oh, ow] of [[[1, 3, 4, 2], 6, 8], [[2, 5, 3, 3], 10, 9], [[1, 4, 4, 1], 7, 5], [[1, 3, 3, 1], 2, 2]] as [number[], number, number][])
      it(`bilinear ${shape} -> ${oh}x${ow} half_pixel=${half}`, async () => {
        await checkOp('bilinear', [{ data: randomArray(size(shape), seed++), shape }], ([x]) => resizeBilinear2d(x, oh, ow, half), ([x]) => refBilinear(x, shape, oh, ow, half));
      });

  it('reshape passes gradients through', async () => {
    await checkOp('reshape', [{ data: randomArray(24, seed++), shape: [2, 3, 4] }], ([x]) => reshape(x, [2, -1]), ([x]) => Float64Array.from(x));
  });
});
