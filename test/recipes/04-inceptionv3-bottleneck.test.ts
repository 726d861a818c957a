// Recipe 4 (examples/04-inceptionv3-bottleneck.ts), reduced: the 2048-d InceptionV3 bottleneck
// (nsfwjs weights) of 48 Fashion-MNIST PNGs at 75x75 computed once, a softmax layer trained on it.
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { testDevice } from '../helpers/gpu.ts';
import { NSFW_INCEPTION } from '../../examples/common.ts';
import { REDUCED, runBottleneck } from '../../examples/04-inceptionv3-bottleneck.ts';
import { FASHION, quiet, tempOut } from './helpers.ts';

describe.skipIf(!FASHION || !existsSync(NSFW_INCEPTION))('recipe 4: InceptionV3 bottleneck (needs Fashion-MNIST and ../shared/fixtures)', () => {
  beforeAll(testDevice);
  it('caches the bottleneck after the first epoch and trains the softmax layer on it', async () => {
    const out = tempOut('bottleneck');
    const log: string[] = [];
    const r = await runBottleneck({ ...REDUCED, perClass: 12, epochs: 4, uncachedEpochs: 2, out, log: quiet(log) });
    console.log(log.join('\n'));
    expect(r.cutLayer).toBe('global_average_pooling2d');
    expect(r.cached.map((e) => e.cache)).toEqual(['fill', 'gpu', 'gpu', 'gpu']);
    expect(r.uncached.every((e) => e.cache === '')).toBe(true);
    const loss = r.history.history.loss;
    expect(loss.at(-1)!).toBeLessThan(loss[0]);
    expect(r.frozen.frozenChanged).toEqual([]);
    expect(r.frozen.trainableChanged).toBe(2);
    expect(r.speedup).toBeGreaterThan(1); // reported, not a timing assertion of note: cached epochs skip InceptionV3
    for (const f of ['loss.png', 'accuracy.png', 'result.json']) expect(existsSync(join(out, f)), f).toBe(true);
  });
});
