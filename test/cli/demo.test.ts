// `wgft demo`'s library part at reduced size: pretrain, save/reload H5, frozen-prefix head,
// from-scratch comparison. Accuracies are printed, not compared (the full-size run is the check).
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { testDevice } from '../helpers/gpu.ts';
import { runDemo } from '../../src/train/demo.ts';
import { fromDataset } from '../../src/train/fit.ts';
import { getLoss } from '../../src/train/losses.ts';
import { getMetric } from '../../src/train/metrics.ts';
import { getOptimizer } from '../../src/train/optimizers/index.ts';
import { fashionMnist, FASHION_CLASSES } from '../../src/cli/fashion-link.ts';

const FASHION = '/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz';

describe.skipIf(!existsSync(FASHION) && !process.env.FASHION_MNIST_DIR)('demo (needs Fashion-MNIST in /usr/share/datasets)', () => {
  beforeAll(testDevice);
  it('runs the transfer-learning demo end to end', async () => {
    const old = [0, 1, 2, 3, 4, 5];
    const nw = [6, 7, 8, 9];
    const fm = (classes: number[], perClass: number, split: 'train' | 't10k' = 'train') =>
      fashionMnist({ height: 28, width: 28, channels: 1, classes, perClass, split }).then((d) => fromDataset(d, { oneHot: classes.length }));
    let saved = 0;
    const r = await runDemo(
      { pretrain: await fm(old, 40), fewShot: await fm(nw, 10), test: await fm(nw, 10, 't10k'), pretrainClasses: old.map((c) => FASHION_CLASSES[c]), newClasses: nw.map((c) => FASHION_CLASSES[c]) },
      {
        pretrainEpochs: 1,
        fineTuneEpochs: 3,
        scratchEpochs: 3,
        batchSize: 16,
        seed: 0,
        optimizer: (learningRate) => getOptimizer('adam', { learningRate }),
        loss: getLoss('categorical_crossentropy'),
        accuracy: getMetric('accuracy', 'categorical_crossentropy'),
        saveH5: (_n, bytes) => void (saved = bytes.length),
      },
    );
    console.log(`demo (reduced): fine-tuned ${r.fineTuneAccuracy}, scratch ${r.scratchAccuracy}, cache x${r.bottleneckSpeedup?.toFixed(1)}`);
    expect(saved).toBeGreaterThan(1000);
    for (const a of [r.pretrainAccuracy, r.fineTuneAccuracy, r.scratchAccuracy]) expect(a).toBeGreaterThanOrEqual(0);
    expect(r.bottleneckSpeedup).not.toBeNull();
  }, 120_000);
});
