// End to end: a small CNN (conv-BN-relu-pool x2, global average pooling, dense softmax) trained on
// 2,000 Fashion-MNIST images with our kernels on the CPU adapter reaches >= 80% on 1,000 test
// images. BatchNormalization trains on batch statistics and is evaluated on its moving ones.
import { describe, it, beforeAll, expect } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { testDevice, upload } from '../helpers/gpu.ts';
import { Conv2D } from '../../src/graph/layers/conv2d.ts';
import { BatchNormalization } from '../../src/graph/layers/batch-normalization.ts';
import { ReLU } from '../../src/graph/layers/relu.ts';
import { MaxPooling2D } from '../../src/graph/layers/pooling.ts';
import { GlobalAveragePooling2D } from '../../src/graph/layers/global-pooling.ts';
import { Dense } from '../../src/graph/layers/dense.ts';
import { Sequential } from '../../src/graph/model.ts';
import { setSeed } from '../../src/graph/initializers.ts';
import { backward, noGrad } from '../../src/graph/tape.ts';
import { keep, tidy } from '../../src/graph/scope.ts';
import { add } from '../../src/kernels/elementwise.ts';
import { zeros } from '../../src/kernels/fill.ts';
import { getLoss, hostTensor } from '../../src/train/losses.ts';
import { getMetric } from '../../src/train/metrics.ts';
import { Adam } from '../../src/train/optimizers/adam.ts';
import { parseIdx, idxImagesToFloat } from '../../src/train/data/idx.ts';

const FASHION = '/usr/share/datasets/fashion-mnist';
const haveData = existsSync(`${FASHION}/train-images-idx3-ubyte.gz`) && existsSync(`${FASHION}/t10k-labels-idx1-ubyte.gz`);

function load(prefix: string, n: number) {
  const images = idxImagesToFloat(parseIdx(readFileSync(`${FASHION}/${prefix}-images-idx3-ubyte.gz`), `${prefix} images`), n);
  const labels = parseIdx(readFileSync(`${FASHION}/${prefix}-labels-idx1-ubyte.gz`), `${prefix} labels`).data.subarray(0, n);
  return { x: images.x, labels: Float32Array.from(labels) };
}

function cnn(): Sequential {
  setSeed(7);
  // 3x3 pooling widens the receptive field enough for global average pooling to see shapes.
  const block = (filters: number) => [
    new Conv2D({ filters, kernelSize: 3, padding: 'same', useBias: false }),
    new BatchNormalization({ momentum: 0.9 }),
    new ReLU(),
    new MaxPooling2D({ poolSize: 3, padding: 'same' }),
  ];
  return new Sequential([...block(16), ...block(32), new GlobalAveragePooling2D(), new Dense({ units: 10, activation: 'softmax' })], { inputShape: [28, 28, 1] });
}

describe.skipIf(!haveData)('small CNN on Fashion-MNIST (needs Debian dataset-fashion-mnist in ' + FASHION + ')', () => {
  beforeAll(testDevice);

  it('reaches >= 80% test accuracy from 2,000 images', async () => {
    const N = 2000, B = 32, EPOCHS = 12, LR = 0.01, DECAY_AT = 8;
    const train = load('train', N);
    const test = load('t10k', 1000);
    const model = cnn();
    const opt = new Adam({ learningRate: LR });
    const loss = getLoss('sparse_categorical_crossentropy');
    const epochLoss: number[] = [];
    const t0 = Date.now();
    for (let epoch = 0; epoch < EPOCHS; epoch++) {
      // A step decay settles the weights (and with them BN's moving statistics) at the end.
      opt.learningRate = epoch < DECAY_AT ? LR : LR / 10;
      const order = Array.from({ length: N }, (_, i) => i);
      let s = 99 + epoch;
      for (let i = order.length - 1; i > 0; i--) {
        s = (s * 1103515245 + 12345) % 2147483648;
        const j = s % (i + 1);
        [order[i], order[j]] = [order[j], order[i]];
      }
      let sum = keep(zeros([]));
      for (let b = 0; b < Math.floor(N / B); b++) {
        const idx = order.slice(b * B, (b + 1) * B);
        const xb = new Float32Array(B * 784);
        idx.forEach((k, i) => xb.set(train.x.subarray(k * 784, (k + 1) * 784), i * 784));
        const l = tidy(() => {
          const out = loss(model.call([hostTensor(xb, [B, 28, 28, 1], 'fit', 'x')], { training: true }), idx.map((k) => train.labels[k]));
          backward(out);
          opt.step(model.trainableWeights);
          return out;
        });
        const next = keep(add(sum, l));
        sum.dispose();
        l.dispose();
        sum = next;
      }
      epochLoss.push((await sum.data())[0] / Math.floor(N / B));
      sum.dispose();
    }
    const accuracy = getMetric('accuracy', loss.lossName);
    let correct = 0;
    for (let b = 0; b < 1000; b += 250) {
      const acc = await noGrad(() =>
        tidy(() => accuracy(model.call([upload(test.x.subarray(b * 784, (b + 250) * 784), [250, 28, 28, 1])], { training: false }), test.labels.subarray(b, b + 250)).data()),
      );
      correct += acc[0] * 250;
    }
    let trainCorrect = 0;
    for (let b = 0; b < 1000; b += 250) {
      const acc = await noGrad(() =>
        tidy(() => accuracy(model.call([upload(train.x.subarray(b * 784, (b + 250) * 784), [250, 28, 28, 1])], { training: false }), train.labels.subarray(b, b + 250)).data()),
      );
      trainCorrect += acc[0] * 250;
    }
    console.log(`CNN: epoch losses ${epochLoss.map((v) => v.toFixed(3)).join(' ')}; accuracy on 1,000 training images ${(trainCorrect / 1000).toFixed(3)}, on 1,000 test images ${(correct / 1000).toFixed(3)}; ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    expect(epochLoss[EPOCHS - 1]).toBeLessThan(epochLoss[0]);
    expect(correct / 1000).toBeGreaterThanOrEqual(0.8);
    opt.dispose();
    model.dispose();
  }, 900_000);
});
