// Recipe 3 (examples/03-slim-vgg16-inceptionv3.ts), reduced: stand-in TF-slim checkpoints written
// in slim's names and layout (VGG16 seeded random; InceptionV3 with the nsfwjs weights), restored
// with vgg_16/fc8 (InceptionV3/Logits) excluded, fc8 trained alone then the whole net; the Keras
// VGG16 variant with layers[:15] frozen in its second phase.
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { testDevice } from '../helpers/gpu.ts';
import { NSFW_INCEPTION } from '../../examples/common.ts';
import { REDUCED, runSlim } from '../../examples/03-slim-vgg16-inceptionv3.ts';
import { FASHION, quiet, tempOut } from './helpers.ts';

describe.skipIf(!FASHION || !existsSync(NSFW_INCEPTION))('recipe 3: TF-slim VGG16 / InceptionV3 checkpoints on an 8-class folder (needs Fashion-MNIST and ../shared/fixtures)', () => {
  beforeAll(testDevice);
  it('restores all but the logits, trains the top alone then the whole net', async () => {
    const out = tempOut('slim');
    const log: string[] = [];
    const r = await runSlim({ ...REDUCED, perClass: 5, epochs: 2, inceptionEpochs: 1, parts: ['slim-vgg', 'slim-inception', 'keras-vgg'], out, log: quiet(log) });
    console.log(log.join('\n'));
    const [vgg, inc, kvgg] = r;
    expect(vgg.part).toBe('slim-vgg');
    expect(vgg.excluded.sort()).toEqual(['vgg_16/fc8/biases', 'vgg_16/fc8/weights']);
    expect(vgg.missing.sort()).toEqual(['predictions/bias:0', 'predictions/kernel:0']);
    expect(vgg.predictions).toHaveLength(2);
    // Phase 1: only fc8 (predictions) trains; everything restored stays bit-identical.
    expect(vgg.phase1Weights.frozenSame).toBe(30);
    expect(vgg.phase1Weights.frozenChanged).toEqual([]);
    expect(vgg.phase1Weights.trainableChanged).toBe(2);
    const l1 = vgg.phase1.history.history.loss;
    const l2 = vgg.phase2.history.history.loss;
    expect(l2.at(-1)!).toBeLessThan(l1[0]);
    expect(inc.excluded.every((n) => n.startsWith('InceptionV3/Logits'))).toBe(true);
    expect(inc.phase1Weights.frozenChanged).toEqual([]);
    expect(inc.phase1Weights.trainableChanged).toBe(2);
    expect(inc.predictions[0]).toMatch(/%/);
    expect(inc.phase2.history.history.loss[0]).toBeLessThan(inc.phase1.history.history.loss[0]);
    expect(kvgg.phase1Weights.frozenChanged).toEqual([]);
    for (const p of ['slim-vgg/phase1/loss.png', 'slim-vgg/phase2/accuracy.png', 'slim-inception/phase2/loss.png', 'keras-vgg/phase2/loss.png', 'ckpt/vgg_16.ckpt.index', 'result.json']) {
      expect(existsSync(join(out, p)), p).toBe(true);
    }
  });
});
