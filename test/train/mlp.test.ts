// End to end: a 2-layer MLP trained on 2,000 Fashion-MNIST images with our kernels, loss and
// optimizer reaches >= 75% on 1,000 test images; a step allocates nothing after warm-up; bad
// input is refused with errors naming the op or layer.
import { describe, it, beforeAll, expect } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { testDevice, upload } from '../helpers/gpu.ts';
import { randomArray } from '../helpers/random.ts';
import type { Device } from '../../src/gpu/device.ts';
import { Dense } from '../../src/graph/layers/dense.ts';
import { Sequential } from '../../src/graph/model.ts';
import { setSeed } from '../../src/graph/initializers.ts';
import { backward, noGrad } from '../../src/graph/tape.ts';
import { keep, tidy } from '../../src/graph/scope.ts';
import type { Tensor } from '../../src/graph/tensor.ts';
import { add } from '../../src/kernels/elementwise.ts';
import { zeros } from '../../src/kernels/fill.ts';
import { getLoss, hostTensor, type Loss } from '../../src/train/losses.ts';
import { getMetric } from '../../src/train/metrics.ts';
import type { Optimizer } from '../../src/train/optimizer.ts';
import { Adam } from '../../src/train/optimizers/adam.ts';
import { SGD } from '../../src/train/optimizers/sgd.ts';
import { parseIdx, idxImagesToFloat } from '../../src/train/data/idx.ts';

const FASHION = '/usr/share/datasets/fashion-mnist';
const haveData = existsSync(`${FASHION}/train-images-idx3-ubyte.gz`) && existsSync(`${FASHION}/t10k-labels-idx1-ubyte.gz`);

/** One training step; returns the loss tensor (kept) for the caller to accumulate. */
function trainStep(model: Sequential, x: Tensor, y: Tensor | ArrayLike<number>, loss: Loss, opt: Optimizer): Tensor {
  return tidy(() => {
    const l = loss(model.call([x], { training: true }), y);
    backward(l);
    opt.step(model.trainableWeights);
    return l;
  });
}

function mlp(seed: number, hidden = 64): Sequential {
  setSeed(seed);
  return new Sequential([new Dense({ units: hidden, activation: 'relu' }), new Dense({ units: 10, activation: 'softmax' })], { inputShape: [784] });
}

function load(prefix: string, n: number) {
  const images = idxImagesToFloat(parseIdx(readFileSync(`${FASHION}/${prefix}-images-idx3-ubyte.gz`), `${prefix} images`), n);
  const labels = parseIdx(readFileSync(`${FASHION}/${prefix}-labels-idx1-ubyte.gz`), `${prefix} labels`).data.subarray(0, n);
  return { x: images.x, labels: Float32Array.from(labels) };
}

describe.skipIf(!haveData)('2-layer MLP on Fashion-MNIST (needs Debian dataset-fashion-mnist in ' + FASHION + ')', () => {
  let device: Device;
  beforeAll(async () => {
    device = await testDevice();
  });

  it('reaches >= 75% test accuracy from 2,000 images, loss going down', async () => {
    const train = load('train', 2000);
    const test = load('t10k', 1000);
    const model = mlp(1);
    const opt = new Adam({ learningRate: 0.002 });
    const loss = getLoss('sparse_categorical_crossentropy');
    const B = 50;
    const epochLoss: number[] = [];
    for (let epoch = 0; epoch < 8; epoch++) {
      // A fixed shuffle per epoch (LCG), so the test is deterministic.
      const order = Array.from({ length: 2000 }, (_, i) => i);
      let s = 1234 + epoch;
      for (let i = order.length - 1; i > 0; i--) {
        s = (s * 1103515245 + 12345) % 2147483648;
        const j = s % (i + 1);
        [order[i], order[j]] = [order[j], order[i]];
      }
      let sum = keep(zeros([]));
      for (let b = 0; b < 2000 / B; b++) {
        const idx = order.slice(b * B, (b + 1) * B);
        const xb = new Float32Array(B * 784);
        idx.forEach((k, i) => xb.set(train.x.subarray(k * 784, (k + 1) * 784), i * 784));
        const x = hostTensor(xb, [B, 784], 'fit', 'x');
        const l = trainStep(model, x, idx.map((k) => train.labels[k]), loss, opt);
        const next = keep(add(sum, l));
        sum.dispose();
        l.dispose();
        x.dispose();
        sum = next;
      }
      epochLoss.push((await sum.data())[0] / (2000 / B));
      sum.dispose();
    }
    const accuracy = getMetric('accuracy', loss.lossName);
    const acc = await noGrad(() => tidy(() => accuracy(model.call([upload(test.x, [1000, 784])], { training: false }), test.labels).data()));
    console.log(`MLP: epoch losses ${epochLoss.map((v) => v.toFixed(3)).join(' ')}; test accuracy ${acc[0].toFixed(3)}`);
    for (let e = 1; e < epochLoss.length; e++) expect(epochLoss[e]).toBeLessThan(epochLoss[e - 1]);
    expect(acc[0]).toBeGreaterThanOrEqual(0.75);
    opt.dispose();
    model.dispose();
  });
});

describe('training step memory and bad input', () => {
  let device: Device;
  beforeAll(async () => {
    device = await testDevice();
  });

  for (const [name, make] of [['adam', () => new Adam()], ['sgd+nesterov', () => new SGD({ momentum: 0.9, nesterov: true })]] as const)
    it(`a step allocates no GPU buffer after warm-up (${name})`, async () => {
      const model = mlp(2, 17);
      const opt = make();
      const loss = getLoss('sparse_categorical_crossentropy');
      const x = upload(randomArray(9 * 784, 3, 0, 1), [9, 784]);
      const labels = [0, 1, 2, 3, 4, 5, 6, 7, 9];
      const misses: number[] = [];
      const live: number[] = [];
      for (let step = 1; step <= 5; step++) {
        trainStep(model, x, labels, loss, opt).dispose();
        await device.sync();
        misses.push(device.pool.stats.misses);
        live.push(device.pool.stats.liveBytes);
      }
      console.log(`${name}: pool misses after steps 1..5: ${misses.join(", ")}`);
      expect(misses[4], `pool misses after steps 1..5: ${misses.join(', ')}`).toBe(misses[1]);
      // Nothing leaks either (the fused loss releases the softmax node it bypasses).
      expect(live[4], `live bytes after steps 1..5: ${live.join(', ')}`).toBe(live[1]);
      x.dispose();
      opt.dispose();
      model.dispose();
    });

  it('mismatched shapes, a label out of range and NaN inputs give errors naming the op', () => {
    const model = mlp(3, 5);
    const opt = new SGD();
    const loss = getLoss('sparse_categorical_crossentropy');
    const x = upload(randomArray(2 * 784, 4, 0, 1), [2, 784]);
    expect(() => trainStep(model, upload(randomArray(2 * 700, 5), [2, 700]), [1, 2], loss, opt)).toThrow(/expects \[batch,784\], got \[2,700\]/);
    expect(() => trainStep(model, x, [1, 2, 3], loss, opt)).toThrow(/sparse_categorical_crossentropy: target has 3 values, expected 2/);
    expect(() => trainStep(model, x, [1, 10], loss, opt)).toThrow(/sparse_categorical_crossentropy: label 10 at index 1 is not a class index in \[0, 10\)/);
    expect(() => trainStep(model, x, [1, NaN], loss, opt)).toThrow(/sparse_categorical_crossentropy: target holds NaN at index 1/);
    const bad = new Float32Array(2 * 784).fill(0.5);
    bad[5] = NaN;
    expect(() => hostTensor(bad, [2, 784], 'fit', 'x')).toThrow(/fit: x holds NaN at index 5/);
    expect(() => getLoss('categorical_crossentropy')(tidy(() => upload(randomArray(6, 1), [2, 3])), [1, 0, 0, 0, 1])).toThrow(/categorical_crossentropy: target has 5 values, expected 6/);
    x.dispose();
    model.dispose();
  });
});
