// Issue 7's check on a real network: the ImageNet MobileNet (alpha 0.25, tfjs fixture) cut at
// conv_pw_13_relu, frozen, with a new 2-class head, trained on augmented crops of two fixture
// images. Frozen weights stay bit-identical, trainable ones change, the loss falls, and the
// bottleneck cache gives the head weights of recomputation (within 1e-5).
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { testDevice } from '../helpers/gpu.ts';
import { rng } from '../helpers/random.ts';
import { loadModelFile } from '../../src/node/models.ts';
import { readImage } from '../../src/node/images.ts';
import { crop, preprocessImage } from '../../src/train/data/preprocess.ts';
import { arrayData, compile } from '../../src/train/fit.ts';
import { freeze } from '../../src/train/freeze.ts';
import { addHead } from '../../src/train/head.ts';
import { setSeed } from '../../src/graph/initializers.ts';
import { getLoss } from '../../src/train/losses.ts';
import { getMetric } from '../../src/train/metrics.ts';
import { Adam } from '../../src/train/optimizers/adam.ts';

const MODEL = '../shared/fixtures/tfjs/mobilenet_v1_0.25_224/model.json';
const IMAGES = ['../shared/fixtures/images/dog.jpg', '../shared/fixtures/images/eagle.jpg'];
const SIZE = 128;

describe.skipIf(!existsSync(MODEL) || !IMAGES.every(existsSync))('fine-tuning the MobileNet fixture (needs ../shared/fixtures)', () => {
  beforeAll(testDevice);

  it('trains a new head on a frozen ImageNet MobileNet', async () => {
    // Augmented crops: random 60-100% squares of each image, squashed to SIZE.
    const r = rng(5);
    const per = 6;
    const x = new Float32Array(2 * per * SIZE * SIZE * 3);
    const y = new Float32Array(2 * per * 2);
    IMAGES.forEach((p, c) => {
      const img = readImage(p);
      for (let i = 0; i < per; i++) {
        const s = Math.floor(Math.min(img.width, img.height) * (0.6 + 0.4 * r()));
        const left = Math.floor(r() * (img.width - s));
        const top = Math.floor(r() * (img.height - s));
        const k = i * 2 + c; // interleave the classes
        x.set(preprocessImage(crop(img, left, top, s, s), { width: SIZE, height: SIZE, mode: 'inception' }), k * SIZE * SIZE * 3);
        y[k * 2 + c] = 1;
      }
    });
    const data = arrayData(x, [2 * per, SIZE, SIZE, 3], y, [2 * per, 2]);

    const run = async (cache: boolean) => {
      const { model: base } = await loadModelFile(MODEL, { inputShape: [SIZE, SIZE, 3] });
      const backbone = base.cut('conv_pw_13_relu');
      freeze(backbone, 'all');
      setSeed(1);
      const { model } = addHead(backbone, 'gap,dense:2:softmax');
      const before = await Promise.all(model.weights.map((w) => w.data()));
      const t = compile(model, { optimizer: new Adam({ learningRate: 0.01 }), loss: getLoss('categorical_crossentropy'), metrics: [getMetric('accuracy', 'categorical_crossentropy')] });
      const h = await t.fit(data, { epochs: 3, batchSize: 4, seed: 0, cache });
      const after = await Promise.all(model.weights.map((w) => w.data()));
      return { model, before, after, h, stats: t.epochStats, split: t.split };
    };
    const a = await run(true);
    // GlobalAveragePooling2D has no weights: the cache holds the pooled features.
    expect(a.split?.cutLayer.name).toBe('global_average_pooling2d');
    expect(a.stats.map((s) => s.cache)).toEqual(['fill', 'gpu', 'gpu']);
    const loss = a.h.history.loss;
    expect(loss[2]).toBeLessThan(loss[0]);
    let frozen = 0;
    a.model.weights.forEach((w, i) => {
      const same = a.before[i].every((v, j) => v === a.after[i][j]);
      expect(same, w.name).toBe(!w.trainable);
      if (!w.trainable) frozen++;
    });
    expect(frozen).toBeGreaterThan(50);
    const b = await run(false);
    const head = a.model.trainableWeights.map((w) => a.model.weights.indexOf(w));
    for (const i of head) {
      const d = a.after[i].reduce((m, v, j) => Math.max(m, Math.abs(v - b.after[i][j])), 0);
      expect(d, a.model.weights[i].name).toBeLessThanOrEqual(1e-5);
    }
    const later = (s: typeof a.stats) => s.slice(1).reduce((t, e) => t + e.seconds, 0) / (s.length - 1);
    console.log(`MobileNet bottleneck cache: epochs 2-3 ${later(b.stats).toFixed(2)}s -> ${later(a.stats).toFixed(3)}s (x${(later(b.stats) / later(a.stats)).toFixed(1)})`);
  }, 300_000);
});
