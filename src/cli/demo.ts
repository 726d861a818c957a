// wgft demo: the README's transfer-learning run on Fashion-MNIST (no download; minutes on the
// CPU fallback). See src/train/demo.ts for the steps.
import { Command } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import { initWithPrecision, precisionOption } from './precision-flag.ts';
import { runDemo } from '../train/demo.ts';
import { fromDataset, subset } from '../train/fit.ts';
import { ProgressCallback } from './progress.ts';
import { deviceLine, makeLoss } from './train-setup.ts';
import { getOptimizer } from '../train/optimizers/index.ts';
import { getMetric } from '../train/metrics.ts';
import { fashionMnist, FASHION_CLASSES } from './fashion-link.ts';

interface DemoOpts {
  pretrainImages: string;
  perClass: string;
  testPerClass: string;
  pretrainEpochs: string;
  epochs: string;
  unfreezeEpochs: string;
  batchSize: string;
  seed: string;
  out: string;
  json?: boolean;
  precision?: string;
}

const OLD = [1, 2, 4, 5, 7, 8];
const NEW = [0, 3, 6, 9];

export function demoCommand(): Command {
  return new Command('demo')
    .description('transfer learning on Fashion-MNIST: pretrain on 6 classes, fine-tune a head on 4 others from 100 images each, compare with training from scratch')
    .option('--pretrain-images <n>', 'images per class for pretraining (6 classes)', '1000')
    .option('--per-class <n>', 'training images per new class', '100')
    .option('--test-per-class <n>', 'test images per new class (from the test set)', '250')
    .option('--pretrain-epochs <n>', 'pretraining epochs', '3')
    .option('--epochs <n>', 'epochs for the new head and for the scratch model', '15')
    .option('--unfreeze-epochs <n>', 'then epochs with every layer trainable at a tenth of the rate', '5')
    .option('--batch-size <n>', 'batch size', '32')
    .option('--seed <n>', 'seed', '0')
    .option('--out <dir>', 'where pretrained.h5 is written', 'demo-out')
    .option('--json', 'print the result as JSON')
    .addOption(precisionOption())
    .action(async (o: DemoOpts) => {
      const device = await initWithPrecision(o.precision);
      const say = (s: string) => (o.json ? console.error(s) : console.log(s));
      say(`device: ${deviceLine(device)}`);
      const seed = Number(o.seed);
      const pre = fromDataset(await fashionMnist({ height: 28, width: 28, channels: 1, classes: OLD, perClass: Number(o.pretrainImages) }), { oneHot: OLD.length });
      const few = fromDataset(await fashionMnist({ height: 28, width: 28, channels: 1, classes: NEW, perClass: Number(o.perClass) }), { oneHot: NEW.length });
      const test = fromDataset(await fashionMnist({ height: 28, width: 28, channels: 1, classes: NEW, perClass: Number(o.testPerClass), split: 't10k' }), { oneHot: NEW.length });
      // Interleave the pretraining classes (file order is already mixed; keep it).
      const t0 = performance.now();
      const r = await runDemo(
        { pretrain: subset(pre, 0, pre.size), fewShot: few, test, pretrainClasses: OLD.map((c) => FASHION_CLASSES[c]), newClasses: NEW.map((c) => FASHION_CLASSES[c]) },
        {
          pretrainEpochs: Number(o.pretrainEpochs),
          fineTuneEpochs: Number(o.epochs),
          unfreezeEpochs: Number(o.unfreezeEpochs),
          scratchEpochs: Number(o.epochs),
          batchSize: Number(o.batchSize),
          seed,
          optimizer: (learningRate) => getOptimizer('adam', { learningRate }),
          loss: await makeLoss('categorical_crossentropy'),
          accuracy: getMetric('accuracy', 'categorical_crossentropy'),
          saveH5: (name, bytes) => {
            mkdirSync(o.out, { recursive: true });
            writeFileSync(`${o.out}/${name}`, bytes);
          },
          log: say,
          callbacks: (phase, epochs, n) => (o.json ? [] : [new ProgressCallback({ json: false, epochs, samples: n, batchSize: Number(o.batchSize), phase })]),
        },
      );
      const total = (performance.now() - t0) / 1000;
      const result = { device: deviceLine(device), ...r, totalSeconds: total };
      if (o.json) {
        console.log(JSON.stringify(result));
        return;
      }
      const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
      console.log('');
      console.log(`pretrained CNN (6 classes), validation accuracy: ${pct(r.pretrainAccuracy)}  [${r.seconds.pretrain.toFixed(0)}s]`);
      console.log(`new classes, ${o.perClass} images each, test accuracy on ${test.size} images:`);
      console.log(`  fine-tuned (frozen conv prefix + new head): ${pct(r.fineTuneAccuracy)}  [${r.seconds.fineTune.toFixed(1)}s${r.bottleneckSpeedup ? `, bottleneck cache x${r.bottleneckSpeedup.toFixed(1)} after epoch 1` : ''}]`);
      console.log(`  same CNN trained from scratch:              ${pct(r.scratchAccuracy)}  [${r.seconds.scratch.toFixed(1)}s]`);
      console.log(`device: ${result.device}; total ${total.toFixed(0)}s`);
    });
}
