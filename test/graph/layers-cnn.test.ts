import { describe, it, beforeAll, expect } from 'vitest';
import { testDevice, upload } from '../helpers/gpu.ts';
import { randomArray } from '../helpers/random.ts';
import { expectClose } from '../helpers/compare.ts';
import { LAYER_CLASSES } from '../../src/graph/layers/registry.ts';
import { BatchNormalization } from '../../src/graph/layers/batch-normalization.ts';
import { MaxPooling2D, AveragePooling2D } from '../../src/graph/layers/pooling.ts';
import { GlobalAveragePooling2D } from '../../src/graph/layers/global-pooling.ts';
import { ZeroPadding2D } from '../../src/graph/layers/zero-padding2d.ts';
import { UpSampling3D } from '../../src/graph/layers/upsampling.ts';
import { Flatten } from '../../src/graph/layers/flatten.ts';
import { Reshape } from '../../src/graph/layers/reshape.ts';
import { Concatenate } from '../../src/graph/layers/concatenate.ts';
import { Add } from '../../src/graph/layers/add.ts';
import { ReLU } from '../../src/graph/layers/relu.ts';
import { PReLU } from '../../src/graph/layers/advanced-activations.ts';
import { Dropout, SpatialDropout2D } from '../../src/graph/layers/dropout.ts';
import { Dense } from '../../src/graph/layers/dense.ts';
import { Input, Model, Sequential } from '../../src/graph/model.ts';
import { backward } from '../../src/graph/tape.ts';
import { tidy } from '../../src/graph/scope.ts';
import { sum } from '../../src/graph/ops/reduce.ts';
import type { Layer } from '../../src/graph/layer.ts';

const CLASSES = [
  'BatchNormalization', 'MaxPooling2D', 'AveragePooling2D', 'GlobalAveragePooling2D', 'GlobalMaxPooling2D', 'ZeroPadding2D',
  'Cropping2D', 'UpSampling2D', 'UpSampling3D', 'Concatenate', 'Add', 'Multiply', 'Flatten', 'Reshape', 'ReLU', 'LeakyReLU',
  'PReLU', 'ELU', 'ThresholdedReLU', 'Softmax', 'Dropout', 'SpatialDropout2D',
];

describe('CNN layers: Keras configs', () => {
  it('every class is registered and its config round-trips', () => {
    const sample: Record<string, Record<string, unknown>> = {
      MaxPooling2D: { pool_size: [3, 3], strides: [2, 1], padding: 'same' },
      ZeroPadding2D: { padding: [[1, 2], [3, 4]] },
      Cropping2D: { cropping: [[1, 0], [0, 2]] },
      UpSampling2D: { size: [2, 3], interpolation: 'bilinear' },
      UpSampling3D: { size: [3, 3, 3] },
      Concatenate: { axis: 1 },
      Reshape: { target_shape: [4, -1] },
      ReLU: { max_value: 6, negative_slope: 0.1, threshold: 0.5 },
      LeakyReLU: { alpha: 0.2 },
      ThresholdedReLU: { theta: 0.7 },
      Dropout: { rate: 0.25, seed: 3 },
      SpatialDropout2D: { rate: 0.1 },
      BatchNormalization: { axis: 1, momentum: 0.9, epsilon: 1e-5, center: false, scale: false },
    };
    for (const cls of CLASSES) {
      const make = LAYER_CLASSES[cls];
      expect(make, cls).toBeDefined();
      const layer = make({ name: `l_${cls}`, trainable: true, rate: 0.5, ...sample[cls] });
      expect(layer.className).toBe(cls);
      const config = layer.getConfig();
      expect(config.name).toBe(`l_${cls}`);
      for (const [k, v] of Object.entries(sample[cls] ?? {})) expect(config[k], `${cls}.${k}`).toEqual(v);
      expect(make(config).getConfig(), cls).toEqual(config);
    }
  });

  it('reads Keras 1 names', () => {
    const pool = LAYER_CLASSES.MaxPooling2D({ name: 'p', pool_size: [2, 2], strides: null, border_mode: 'same', dim_ordering: 'tf' }) as MaxPooling2D;
    expect([pool.padding, pool.strides]).toEqual(['same', [2, 2]]);
    expect((LAYER_CLASSES.Dropout({ name: 'd', p: 0.4 }) as Dropout).rate).toBe(0.4);
    const pad = LAYER_CLASSES.ZeroPadding2D({ name: 'z', padding: [1, 2, 3, 4] }) as ZeroPadding2D;
    expect(pad.padding).toEqual([1, 2, 3, 4]);
    const bn = LAYER_CLASSES.BatchNormalization({ name: 'bn', mode: 0, axis: -1, epsilon: 1e-3, momentum: 0.99 }) as BatchNormalization;
    expect(bn.epsilon).toBe(1e-3);
    expect(() => LAYER_CLASSES.BatchNormalization({ name: 'bn2', mode: 2 })).toThrow(/BatchNormalization.*mode 2/);
  });

  it('bad arguments name the layer', () => {
    expect(() => new Reshape({ name: 'r', targetShape: [-1, -1] })).toThrow(/r \(Reshape\)/);
    expect(() => new Sequential([new MaxPooling2D({ name: 'mp', poolSize: 2 })], { inputShape: [5] })).toThrow(/mp \(MaxPooling2D\)/);
    expect(() => new Sequential([new Concatenate({ name: 'cc' })], { inputShape: [2, 3] })).not.toThrow();
  });
});

describe('CNN layers on the GPU', () => {
  beforeAll(testDevice);

  it('shapes of a small graph agree with computeOutputShape', async () => {
    const x = Input([7, 6, 3]);
    const a = new ZeroPadding2D({ padding: 1 }).apply(x);
    const b = new MaxPooling2D({ poolSize: 3, strides: 2, padding: 'same' }).apply(a);
    const c = new AveragePooling2D({ poolSize: 2, strides: 1 }).apply(b);
    const d = new Concatenate().apply([c, c]);
    const e = new UpSampling3D({ size: [2, 1, 2] }).apply(d);
    const f = new Flatten().apply(e);
    const model = new Model({ inputs: x, outputs: f });
    const y = tidy(() => model.call([upload(randomArray(2 * 7 * 6 * 3, 1), [2, 7, 6, 3])], { training: false }));
    expect(y.shape).toEqual([2, ...model.outputShape]);
    expect(model.outputShape).toEqual([4 * 2 * 3 * 12]);
    y.dispose();
    model.dispose();
  });

  it('UpSampling3D on a 28x28x1 image gives 84x84x3 (H, W and C repeated)', () => {
    const m = new Sequential([new UpSampling3D({ size: [3, 3, 3] })], { inputShape: [28, 28, 1] });
    expect(m.outputShape).toEqual([84, 84, 3]);
  });

  it('BatchNormalization: training uses and updates batch statistics; inference and frozen layers use moving ones', async () => {
    const [n, h, w, c] = [3, 2, 3, 4];
    const bn = new BatchNormalization({ momentum: 0.8, epsilon: 1e-3 });
    const model = new Sequential([bn], { inputShape: [h, w, c] });
    expect(bn.weights.map((v) => v.name)).toEqual([`${bn.name}/gamma:0`, `${bn.name}/beta:0`, `${bn.name}/moving_mean:0`, `${bn.name}/moving_variance:0`]);
    expect(bn.trainableWeights.length).toBe(2);
    expect(bn.nonTrainableWeights.length).toBe(2);
    const xd = randomArray(n * h * w * c, 2, -1, 3);
    const mean = new Float64Array(c), v = new Float64Array(c);
    xd.forEach((x, i) => (mean[i % c] += x / (n * h * w)));
    xd.forEach((x, i) => (v[i % c] += (x - mean[i % c]) ** 2 / (n * h * w)));
    const run = (training: boolean) => tidy(() => model.call([upload(xd, [n, h, w, c])], { training }).data());

    // Inference: moving stats are 0 / 1, so y = x / sqrt(1 + eps).
    expectClose(await run(false), xd.map((x) => x / Math.sqrt(1 + 1e-3)), 1e-5, 'inference');
    expectClose(await bn.movingMean.data(), new Float64Array(c), 0, 'no update in inference');

    // Training: batch statistics, and moving = 0.8 moving + 0.2 batch (variance Bessel-corrected for 4-D).
    expectClose(await run(true), xd.map((x, i) => (x - mean[i % c]) / Math.sqrt(v[i % c] + 1e-3)), 1e-4, 'training');
    const rows = n * h * w;
    expectClose(await bn.movingMean.data(), mean.map((m) => 0.2 * m), 1e-5, 'moving_mean');
    expectClose(await bn.movingVariance.data(), v.map((s) => 0.8 + 0.2 * s * (rows / (rows - 1))), 1e-5, 'moving_variance');

    // Frozen: training mode, but moving statistics and no update (Keras 2.3 / TF2).
    bn.trainable = false;
    const mm = await bn.movingMean.data();
    const mv = await bn.movingVariance.data();
    expectClose(await run(true), xd.map((x, i) => (x - mm[i % c]) / Math.sqrt(mv[i % c] + 1e-3)), 1e-5, 'frozen');
    expectClose(await bn.movingMean.data(), mm, 0, 'frozen: no update');
    model.dispose();
  });

  it('BatchNormalization scale=false has no gamma (InceptionV3)', () => {
    const bn = new BatchNormalization({ scale: false });
    new Sequential([bn], { inputShape: [2, 2, 3] });
    expect(bn.weights.map((w) => w.name.split('/')[1])).toEqual(['beta:0', 'moving_mean:0', 'moving_variance:0']);
    expect(bn.countParams()).toBe(9);
    bn.dispose();
  });

  it('a frozen BN between trainable layers passes gradients to the layers before it', async () => {
    const first = new Dense({ units: 4 });
    const bn = new BatchNormalization({ trainable: false });
    const model = new Sequential([first, bn, new Dense({ units: 2 })], { inputShape: [3] });
    tidy(() => backward(sum(model.call([upload(randomArray(15, 3), [5, 3])], { training: true }))));
    expect(first.kernel.grad).not.toBeNull();
    expect(bn.gamma!.grad).toBeNull();
    expect(Array.from(await first.kernel.grad!.data()).some((g) => g !== 0)).toBe(true);
    model.dispose();
  });

  it('conv-free CNN stack trains end to end: gradients reach every trainable weight', async () => {
    const layers: Layer[] = [
      new ZeroPadding2D({ padding: 1 }),
      new BatchNormalization(),
      new ReLU({ maxValue: 6 }),
      new PReLU({ sharedAxes: [1, 2] }),
      new MaxPooling2D({ poolSize: 2 }),
      new SpatialDropout2D({ rate: 0.2, seed: 1 }),
      new GlobalAveragePooling2D(),
      new Dropout({ rate: 0.3, seed: 2 }),
      new Reshape({ targetShape: [2, -1] }),
      new Flatten(),
      new Dense({ units: 3 }),
    ];
    const model = new Sequential(layers, { inputShape: [5, 4, 6] });
    tidy(() => backward(sum(model.call([upload(randomArray(2 * 5 * 4 * 6, 4), [2, 5, 4, 6])], { training: true }))));
    for (const v of model.trainableWeights) expect(v.grad, v.name).not.toBeNull();
    model.dispose();
  });

  it('Dropout is the identity outside training and keeps the tape', async () => {
    const d = new Dropout({ rate: 0.5 });
    const dense = new Dense({ units: 2 });
    const model = new Sequential([dense, d], { inputShape: [3] });
    const x = randomArray(6, 5);
    const y = tidy(() => {
      const out = model.call([upload(x, [2, 3])], { training: false });
      backward(sum(out));
      return out;
    });
    expect(dense.kernel.grad).not.toBeNull();
    y.dispose();
    model.dispose();
  });

  it('Add sums its inputs with gradients to each branch', async () => {
    const x = Input([4]);
    const a = new Dense({ units: 3 });
    const b = new Dense({ units: 3 });
    const model = new Model({ inputs: x, outputs: new Add().apply([a.apply(x), b.apply(x)]) });
    tidy(() => backward(sum(model.call([upload(randomArray(8, 6), [2, 4])], { training: true }))));
    expectClose(await a.bias!.grad!.data(), [2, 2, 2], 1e-6, 'db a');
    expectClose(await b.bias!.grad!.data(), [2, 2, 2], 1e-6, 'db b');
    model.dispose();
  });
});
