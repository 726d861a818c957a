// Conv layers: Keras config round trips (Keras 2 and Keras 1 names), weights in Keras order,
// channels_first Conv2D, SeparableConv2D and Conv2DTranspose forward/backward through a model.
import { describe, it, beforeAll, expect } from 'vitest';
import { testDevice, upload } from '../helpers/gpu.ts';
import { randomArray } from '../helpers/random.ts';
import { expectClose } from '../helpers/compare.ts';
import { numericGrad } from '../helpers/gradcheck.ts';
import { refConv, refDepthwise, refGeometry, refTranspose } from '../helpers/conv-ref.ts';
import { Conv2D } from '../../src/graph/layers/conv2d.ts';
import { DepthwiseConv2D } from '../../src/graph/layers/depthwise-conv2d.ts';
import { SeparableConv2D } from '../../src/graph/layers/separable-conv2d.ts';
import { Conv2DTranspose } from '../../src/graph/layers/conv2d-transpose.ts';
import { LAYER_CLASSES } from '../../src/graph/layers/registry.ts';
import { Sequential } from '../../src/graph/model.ts';
import type { Layer } from '../../src/graph/layer.ts';
import { backward } from '../../src/graph/tape.ts';
import { tidy } from '../../src/graph/scope.ts';
import { mul } from '../../src/graph/ops/arith.ts';
import { sum } from '../../src/graph/ops/reduce.ts';

const COMMON = ['name', 'trainable', 'kernel_size', 'strides', 'padding', 'data_format', 'dilation_rate', 'activation', 'use_bias'];
const pick = (c: Record<string, unknown>, keys: string[]) => Object.fromEntries(keys.map((k) => [k, c[k]]));

describe('conv layers: Keras configs', () => {
  beforeAll(testDevice);
  const keras2: [string, Record<string, unknown>, string[]][] = [
    ['Conv2D', { name: 'block1_conv1', trainable: false, filters: 7, kernel_size: [1, 7], strides: [2, 1], padding: 'same', data_format: 'channels_last', dilation_rate: [1, 1], activation: 'relu', use_bias: true }, ['filters']],
    ['DepthwiseConv2D', { name: 'conv_dw_1', trainable: true, kernel_size: [3, 3], strides: [2, 2], padding: 'valid', data_format: 'channels_last', dilation_rate: [1, 1], activation: 'linear', use_bias: false, depth_multiplier: 2 }, ['depth_multiplier']],
    ['SeparableConv2D', { name: 'block2_sepconv1', trainable: true, filters: 5, kernel_size: [3, 3], strides: [1, 1], padding: 'same', data_format: 'channels_last', dilation_rate: [2, 2], activation: 'linear', use_bias: false, depth_multiplier: 1 }, ['filters', 'depth_multiplier']],
    ['Conv2DTranspose', { name: 'up1', trainable: true, filters: 3, kernel_size: [4, 4], strides: [2, 2], padding: 'same', data_format: 'channels_first', dilation_rate: [1, 1], activation: 'sigmoid', use_bias: true, output_padding: null }, ['filters', 'output_padding']],
  ];
  for (const [cls, config, extra] of keras2)
    it(`${cls} Keras 2 config round trip`, () => {
      const layer = LAYER_CLASSES[cls](config);
      expect(layer.className).toBe(cls);
      const out = layer.getConfig();
      expect(pick(out, [...COMMON, ...extra])).toEqual(pick(config, [...COMMON, ...extra]));
      // And the written config reads back to the same.
      expect(LAYER_CLASSES[cls](out).getConfig()).toEqual(out);
    });

  it('Keras 1 names: nb_filter, nb_row/nb_col, subsample, border_mode, dim_ordering', () => {
    const l = LAYER_CLASSES.Convolution2D({ name: 'conv1', nb_filter: 4, nb_row: 3, nb_col: 1, subsample: [2, 2], border_mode: 'same', dim_ordering: 'th', activation: 'relu', bias: false, init: 'glorot_uniform' }) as Conv2D;
    expect(l).toBeInstanceOf(Conv2D);
    expect([l.filters, l.kernelSize, l.strides, l.padding, l.dataFormat, l.activation, l.useBias]).toEqual([4, [3, 1], [2, 2], 'same', 'channels_first', 'relu', false]);
    const a = LAYER_CLASSES.AtrousConvolution2D({ name: 'a', nb_filter: 2, nb_row: 3, nb_col: 3, atrous_rate: [2, 2], border_mode: 'valid', dim_ordering: 'tf' }) as Conv2D;
    expect([a.dilationRate, a.dataFormat]).toEqual([[2, 2], 'channels_last']);
    const s = LAYER_CLASSES.SeparableConvolution2D({ name: 's', nb_filter: 6, nb_row: 3, nb_col: 3, depth_multiplier: 2, border_mode: 'same' }) as SeparableConv2D;
    expect([s.filters, s.depthMultiplier, s.padding]).toEqual([6, 2, 'same']);
    expect(LAYER_CLASSES.Deconvolution2D({ name: 'd', nb_filter: 3, nb_row: 2, nb_col: 2, subsample: [2, 2] })).toBeInstanceOf(Conv2DTranspose);
  });

  it('clear errors for unsupported settings', () => {
    expect(() => Conv2D.fromKeras({ name: 'c', filters: 2, kernel_size: 3, padding: 'full' })).toThrow(/layer c \(Conv2D\): padding 'full'/);
    expect(() => Conv2DTranspose.fromKeras({ name: 't', filters: 2, kernel_size: 3, output_padding: [1, 1] })).toThrow(/output_padding/);
    expect(() => Conv2D.fromKeras({ name: 'g', filters: 4, kernel_size: 3, groups: 2 })).toThrow(/layer g \(Conv2D\): groups=2/);
    const l = new Conv2D({ name: 'c3', filters: 2, kernelSize: 3 });
    new Sequential([l], { inputShape: [5, 5, 3] });
    expect(() => tidy(() => l.call([upload(randomArray(2 * 5 * 5 * 4, 1), [2, 5, 5, 4])], { training: false }))).toThrow(/\[2,5,5,4\] has 4 channels/);
  });

  it('weights in Keras order with Keras shapes, output shapes', () => {
    const mk = (l: Layer, shape: number[]) => (new Sequential([l], { inputShape: shape }), l);
    const c = mk(new Conv2D({ name: 'c', filters: 4, kernelSize: [3, 1], strides: 2, padding: 'same' }), [9, 7, 3]);
    expect(c.weights.map((w) => [w.name, w.shape])).toEqual([['c/kernel:0', [3, 1, 3, 4]], ['c/bias:0', [4]]]);
    expect(c.outputShapes[0]).toEqual([5, 4, 4]);
    const d = mk(new DepthwiseConv2D({ name: 'd', kernelSize: 3, depthMultiplier: 2 }), [9, 7, 3]);
    expect(d.weights.map((w) => [w.name, w.shape])).toEqual([['d/depthwise_kernel:0', [3, 3, 3, 2]], ['d/bias:0', [6]]]);
    expect(d.outputShapes[0]).toEqual([7, 5, 6]);
    const s = mk(new SeparableConv2D({ name: 's', filters: 5, kernelSize: 3, depthMultiplier: 2, padding: 'same' }), [9, 7, 3]);
    expect(s.weights.map((w) => [w.name, w.shape])).toEqual([['s/depthwise_kernel:0', [3, 3, 3, 2]], ['s/pointwise_kernel:0', [1, 1, 6, 5]], ['s/bias:0', [5]]]);
    const t = mk(new Conv2DTranspose({ name: 't', filters: 2, kernelSize: 3, strides: 2, padding: 'valid' }), [4, 5, 3]);
    expect(t.weights.map((w) => [w.name, w.shape])).toEqual([['t/kernel:0', [3, 3, 2, 3]], ['t/bias:0', [2]]]);
    expect(t.outputShapes[0]).toEqual([9, 11, 2]);
    const f = mk(new Conv2D({ name: 'f', filters: 4, kernelSize: 3, dataFormat: 'channels_first' }), [3, 9, 7]);
    expect(f.weights[0].shape).toEqual([3, 3, 3, 4]);
    expect(f.outputShapes[0]).toEqual([4, 7, 5]);
  });
});

/** Runs a one-layer model on x, backpropagates sum(y * dy); returns y and the weights' grads. */
async function runLayer(layer: Layer, inShape: number[], x: Float64Array, weights: Float64Array[], dyFn: (n: number) => Float64Array) {
  const model = new Sequential([layer], { inputShape: inShape.slice(1) });
  weights.forEach((w, i) => layer.weights[i].assign(Float32Array.from(w)));
  const outShape = [inShape[0], ...layer.outputShapes[0]];
  const dy = dyFn(outShape.reduce((a, b) => a * b));
  const y = await tidy(() => {
    const yt = model.call([upload(x, inShape)], { training: true });
    expect(yt.shape).toEqual(outShape);
    const out = yt.data();
    backward(sum(mul(yt, upload(dy, outShape))));
    return out;
  });
  const grads = await Promise.all(layer.weights.map((w) => w.grad!.data()));
  layer.dispose();
  return { y, grads, dy };
}

describe('conv layers forward and backward', () => {
  beforeAll(testDevice);

  it('Conv2D channels_first runs as Keras (NCHW in and out)', async () => {
    const [N, C, H, W, O] = [2, 3, 7, 6, 5];
    const x = randomArray(N * C * H * W, 1), w = randomArray(3 * 3 * C * O, 2), b = randomArray(O, 3);
    const layer = new Conv2D({ filters: O, kernelSize: 3, strides: 2, padding: 'same', dataFormat: 'channels_first', activation: 'tanh' });
    const r = await runLayer(layer, [N, C, H, W], x, [w, b], (n) => randomArray(n, 4));
    const g = refGeometry([N, H, W, C], 3, 3, O, [2, 2], [1, 1], 'same');
    const f = (ww: Float64Array, bb: Float64Array) => refTranspose(refConv(refTranspose(x, [N, C, H, W], [0, 2, 3, 1]), ww, g, bb, 'tanh'), [N, g.OH, g.OW, O], [0, 3, 1, 2]);
    expectClose(r.y, f(w, b), 1e-5, 'forward');
    expectClose(r.grads[0], numericGrad((ww) => f(ww, b), w, r.dy), 1e-4, 'dW');
    expectClose(r.grads[1], numericGrad((bb) => f(w, bb), b, r.dy), 1e-4, 'db');
  });

  it('Conv2D with softmax (unfused activation)', async () => {
    const [N, H, W, C, O] = [2, 5, 5, 3, 4];
    const x = randomArray(N * H * W * C, 5), w = randomArray(9 * C * O, 6), b = randomArray(O, 7);
    const r = await runLayer(new Conv2D({ filters: O, kernelSize: 3, activation: 'softmax' }), [N, H, W, C], x, [w, b], (n) => randomArray(n, 8));
    const g = refGeometry([N, H, W, C], 3, 3, O, [1, 1], [1, 1], 'valid');
    const f = (ww: Float64Array) => {
      const z = refConv(x, ww, g, b);
      for (let i = 0; i < z.length; i += O) {
        const m = Math.max(...z.subarray(i, i + O));
        let s = 0;
        for (let j = 0; j < O; j++) s += (z[i + j] = Math.exp(z[i + j] - m));
        for (let j = 0; j < O; j++) z[i + j] /= s;
      }
      return z;
    };
    expectClose(r.y, f(w), 1e-5, 'forward');
    expectClose(r.grads[0], numericGrad(f, w, r.dy), 1e-4, 'dW');
  });

  it('SeparableConv2D: depthwise then pointwise, gradients of all three weights', async () => {
    const [N, H, W, C, M, O] = [2, 7, 6, 3, 2, 5];
    const x = randomArray(N * H * W * C, 9), dk = randomArray(9 * C * M, 10), pk = randomArray(C * M * O, 11), b = randomArray(O, 12);
    const layer = new SeparableConv2D({ filters: O, kernelSize: 3, strides: 2, padding: 'same', depthMultiplier: M, activation: 'relu' });
    const r = await runLayer(layer, [N, H, W, C], x, [dk, pk, b], (n) => randomArray(n, 13));
    const gd = refGeometry([N, H, W, C], 3, 3, C * M, [2, 2], [1, 1], 'same');
    const gp = refGeometry([N, gd.OH, gd.OW, C * M], 1, 1, O, [1, 1], [1, 1], 'valid');
    const f = (d: Float64Array, p: Float64Array, bb: Float64Array) => refConv(refDepthwise(x, d, gd), p, gp, bb, 'relu');
    expectClose(r.y, f(dk, pk, b), 1e-5, 'forward');
    expectClose(r.grads[0], numericGrad((d) => f(d, pk, b), dk, r.dy), 1e-4, 'd depthwise');
    expectClose(r.grads[1], numericGrad((p) => f(dk, p, b), pk, r.dy), 1e-4, 'd pointwise');
    expectClose(r.grads[2], numericGrad((bb) => f(dk, pk, bb), b, r.dy), 1e-4, 'd bias');
  });

  it('DepthwiseConv2D layer without bias', async () => {
    const [N, H, W, C] = [1, 6, 7, 5];
    const x = randomArray(N * H * W * C, 14), k = randomArray(9 * C, 15);
    const r = await runLayer(new DepthwiseConv2D({ kernelSize: 3, padding: 'same', useBias: false }), [N, H, W, C], x, [k], (n) => randomArray(n, 16));
    const g = refGeometry([N, H, W, C], 3, 3, C, [1, 1], [1, 1], 'same');
    expectClose(r.y, refDepthwise(x, k, g), 1e-5, 'forward');
    expectClose(r.grads[0], numericGrad((kk) => refDepthwise(x, kk, g), k, r.dy), 1e-4, 'dK');
  });
});
