// Recipe 2 (examples/02-vgg16-regression.ts), reduced: VGG16 (seeded random weights: no trained
// VGG16 here, mechanics only) at 48x48x3, layers[:15] frozen, price regression with MSE.
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { testDevice } from '../helpers/gpu.ts';
import { Activation, Tensor, Variable, backward, getLoss } from '../../src/index.ts';
import { REDUCED, prices, runPrices } from '../../examples/02-vgg16-regression.ts';
import { FASHION, quiet, tempOut } from './helpers.ts';

describe('recipe 2: prices', () => {
  it('draws one mean per class and prices around it', () => {
    const labels = Array.from({ length: 2000 }, (_, i) => i % 10);
    const { price, means } = prices(labels, 3);
    expect(means).toHaveLength(10);
    for (let c = 0; c < 10; c++) {
      const p = Array.from(price).filter((_, i) => labels[i] === c);
      const m = p.reduce((a, b) => a + b, 0) / p.length;
      expect(Math.abs(m - means[c])).toBeLessThan(1.5);
    }
  });
});

describe('recipe 2: the linear head', () => {
  beforeAll(testDevice);
  it("Activation('linear') passes gradients through (the head ends in Dense(1) + Activation('linear'))", async () => {
    const x = Variable.create([1, -2, 3.5], [3, 1], 'x');
    const t = Tensor.from(Float32Array.from([0.5, 0, 1]), [3, 1]);
    const y = new Activation({ activation: 'linear' }).call([x], { training: true });
    backward(getLoss('mse')(y, t));
    expect(x.grad).not.toBeNull();
    const g = await x.grad!.data();
    [1, -2, 3.5].forEach((v, i) => expect(g[i]).toBeCloseTo((2 * (v - [0.5, 0, 1][i])) / 3, 5));
  });
});

describe.skipIf(!FASHION)('recipe 2: VGG16 regression (needs Fashion-MNIST)', () => {
  beforeAll(testDevice);
  it('fits prices with layers[:15] frozen; mse falls; model and curves written', async () => {
    const out = tempOut('prices');
    const log: string[] = [];
    const r = await runPrices({ ...REDUCED, n: 64, testImages: 16, epochs: 3, weights: 'random', out, log: quiet(log) });
    console.log(log.join('\n'));
    const loss = r.history.history.loss;
    expect(loss.at(-1)!).toBeLessThan(loss[0]);
    expect(r.history.history.val_loss).toHaveLength(3);
    // block1..block4 (10 conv layers, 20 tensors) frozen and bit-identical; block5 + head changed.
    expect(r.frozen.frozenSame).toBe(20);
    expect(r.frozen.frozenChanged).toEqual([]);
    expect(r.frozen.trainableSame).toEqual([]);
    expect(r.frozen.trainableChanged).toBe(10);
    expect(Number.isFinite(r.testRmse)).toBe(true);
    for (const f of ['loss.png', 'mae.png', 'model.h5', 'result.json']) expect(existsSync(join(out, f)), f).toBe(true);
  });
});
