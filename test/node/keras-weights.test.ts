// weights: 'imagenet' from an existing Keras cache ($KERAS_HOME/models), loaded in Keras order
// into the architecture built in code; a weights file path works the same way.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testDevice } from '../helpers/gpu.ts';
import { buildZoo } from '../../src/zoo/index.ts';
import { setSeed } from '../../src/graph/initializers.ts';
import { saveKerasH5 } from '../../src/loaders/keras/save.ts';
import { zooModel } from '../../src/node/keras-weights.ts';

let home = '';
let old: string | undefined;
beforeAll(async () => {
  await testDevice();
  home = mkdtempSync(join(tmpdir(), 'wgft-keras-home-'));
  old = process.env.KERAS_HOME;
  process.env.KERAS_HOME = home;
});
afterAll(() => {
  if (old === undefined) delete process.env.KERAS_HOME;
  else process.env.KERAS_HOME = old;
  rmSync(home, { recursive: true, force: true });
});

describe('zooModel with Keras weight files', () => {
  it("weights 'imagenet' reuses the file in $KERAS_HOME/models and loads every weight", async () => {
    setSeed(11);
    const src = buildZoo('mobilenet', { alpha: 0.25, includeTop: false });
    mkdirSync(join(home, 'models'), { recursive: true });
    writeFileSync(join(home, 'models', 'mobilenet_2_5_224_tf_no_top.h5'), await saveKerasH5(src));
    setSeed(12);
    const m = await zooModel('mobilenet', { alpha: 0.25, includeTop: false, weights: 'imagenet', offline: true });
    expect(m.weights.length).toBe(src.weights.length);
    for (let i = 0; i < m.weights.length; i++) {
      expect(m.weights[i].name).toBe(src.weights[i].name);
      expect(await m.weights[i].data()).toEqual(await src.weights[i].data());
    }
    const byPath = await zooModel('mobilenet', { alpha: 0.25, includeTop: false, weights: join(home, 'models', 'mobilenet_2_5_224_tf_no_top.h5') });
    expect(await byPath.weights[0].data()).toEqual(await src.weights[0].data());
    for (const x of [src, m, byPath]) x.dispose();
  }, 120_000);

  it('a missing file offline names the file and where to put it', async () => {
    await expect(zooModel('mobilenet_v2', { alpha: 0.35, weights: 'imagenet', offline: true })).rejects.toThrow(
      /mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0\.35_224\.h5 is not in the Keras cache.*models\/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0\.35_224\.h5/,
    );
    await expect(zooModel('resnet50', { classes: 10, weights: 'imagenet' })).rejects.toThrow(/classes 1000/);
    await expect(zooModel('vgg16', { inputShape: [128, 128, 3], weights: 'imagenet' })).rejects.toThrow(/\[224,224,3\].*includeTop: false/);
  });
});
