// Recipe 5 (examples/05-gluon-resnet18-v2.ts), reduced: the trained MXNet ResNet-29 (CIFAR-10)
// stands in for ResNet18_v2 on two Fashion-MNIST classes it never saw (coat vs bag), features
// copied, new Xavier output with lr_mult 10, against the same net from scratch; then ResNet18_v2
// itself with seeded random weights (mechanics).
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { testDevice } from '../helpers/gpu.ts';
import { RESNET29 } from '../../examples/common.ts';
import { REDUCED, runGluon } from '../../examples/05-gluon-resnet18-v2.ts';
import { FASHION, quiet, tempOut } from './helpers.ts';

describe.skipIf(!FASHION || !existsSync(RESNET29))('recipe 5: Gluon ResNet, cats vs dogs (needs Fashion-MNIST and ../shared/fixtures)', () => {
  beforeAll(testDevice);
  it('fine-tuning the pretrained stand-in beats training from scratch', async () => {
    const out = tempOut('gluon');
    const log: string[] = [];
    const r = await runGluon({ ...REDUCED, trainPerClass: 20, testPerClass: 30, epochs: 3, out, log: quiet(log) });
    console.log(log.join('\n'));
    const loss = r.finetune.history.history.loss;
    expect(loss.at(-1)!).toBeLessThan(loss[0]);
    expect(r.finetune.history.history.val_accuracy).toHaveLength(3);
    expect(r.finetune.testAccuracy).toBeGreaterThan(r.scratch!.testAccuracy);
    expect(r.outputChanged && r.featuresChanged).toBe(true);
    // lr_mult 10 on the output: its updates dwarf the features'.
    expect(r.lrMultCheck.output).toBeGreaterThan(r.lrMultCheck.features);
    for (const f of ['resnet29-standin/loss.png', 'resnet29-standin/accuracy.png', 'resnet29-standin/scratch/loss.png', 'resnet29-standin/result.json']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
  });
  it('ResNet18_v2 itself: features copied, output new, loss falls (seeded random weights without the MXNet cache)', async () => {
    const out = tempOut('gluon18');
    const log: string[] = [];
    const r = await runGluon({ ...REDUCED, net: 'resnet18_v2', trainPerClass: 16, testPerClass: 10, epochs: 2, scratch: false, out, log: quiet(log) });
    console.log(log.join('\n'));
    expect(log.join('\n')).toMatch(/copied \d+ feature tensors/);
    const loss = r.finetune.history.history.loss;
    expect(loss.at(-1)!).toBeLessThan(loss[0]);
    expect(r.outputChanged && r.featuresChanged).toBe(true);
    expect(r.lrMultCheck.output).toBeGreaterThan(r.lrMultCheck.features);
  });
});
