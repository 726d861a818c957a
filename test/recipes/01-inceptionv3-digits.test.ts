// Recipe 1 (examples/01-inceptionv3-digits.ts), reduced: UpSampling3D as Keras applies it to a
// 4-D tensor, then InceptionV3 (nsfwjs stand-in weights) with base.layers[:64] frozen, trained
// 3 epochs on 64 Fashion-MNIST images with validation_split 0.2.
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { testDevice } from '../helpers/gpu.ts';
import { Tensor, UpSampling3D, noGrad } from '../../src/index.ts';
import { NSFW_INCEPTION } from '../../examples/common.ts';
import { frontLayers } from '../../src/cli/finetune.ts';
import { REDUCED, runDigits } from '../../examples/01-inceptionv3-digits.ts';
import { FASHION, quiet, tempOut } from './helpers.ts';

describe('recipe 1: UpSampling3D on a 4-D tensor', () => {
  beforeAll(testDevice);
  it("repeats H, W and C as Keras's K.resize_volumes does", async () => {
    const [n, h, w, c] = [2, 3, 2, 2];
    const x = Float32Array.from({ length: n * h * w * c }, (_, i) => i * 0.5 - 3);
    const y = noGrad(() => new UpSampling3D({ size: [3, 2, 2] }).call([Tensor.from(x, [n, h, w, c])], { training: false }));
    expect(y.shape).toEqual([n, h * 3, w * 2, c * 2]);
    const out = await y.data();
    // Keras: repeat_elements(x, 3, axis=1), then (2, axis=2), then (2, axis=3).
    for (let b = 0; b < n; b++)
      for (let i = 0; i < h * 3; i++)
        for (let j = 0; j < w * 2; j++)
          for (let k = 0; k < c * 2; k++) {
            const want = x[((b * h + Math.floor(i / 3)) * w + Math.floor(j / 2)) * c + Math.floor(k / 2)];
            expect(out[((b * h * 3 + i) * w * 2 + j) * c * 2 + k]).toBe(want);
          }
    // 28x28x1 -> 84x84x3, as the recipe uses it (and `wgft finetune --front upsampling3d:3:3:3`).
    expect(new UpSampling3D({ size: [3, 3, 3] }).computeOutputShape([[28, 28, 1]])).toEqual([84, 84, 3]);
    const [front] = frontLayers('upsampling3d:3:3:3');
    expect(front.className).toBe('UpSampling3D');
    expect(front.computeOutputShape([[28, 28, 1]])).toEqual([84, 84, 3]);
  });
});

describe.skipIf(!FASHION || !existsSync(NSFW_INCEPTION))('recipe 1: InceptionV3 on 28x28 digits (needs Fashion-MNIST and ../shared/fixtures)', () => {
  beforeAll(testDevice);
  it('trains with base.layers[:64] frozen; loss falls; curves and model written', async () => {
    const out = tempOut('digits');
    const log: string[] = [];
    const r = await runDigits({ ...REDUCED, n: 64, epochs: 3, testImages: 20, batchSize: 16, out, log: quiet(log) });
    console.log(log.join('\n'));
    expect(r.weights).toMatch(/nsfwjs|ImageNet/);
    expect(r.frozenLayers).toBe(64);
    const loss = r.history.history.loss;
    expect(loss.at(-1)!).toBeLessThan(loss[0]);
    expect(r.history.history.val_loss).toHaveLength(3);
    expect(r.frozen.frozenChanged).toEqual([]);
    expect(r.frozen.frozenSame).toBeGreaterThan(50);
    expect(r.frozen.trainableSame).toEqual([]);
    expect(r.predictions).toHaveLength(3);
    for (const f of ['loss.png', 'loss.svg', 'accuracy.png', 'model.h5', 'result.json']) expect(existsSync(join(out, f)), f).toBe(true);
  });
});
