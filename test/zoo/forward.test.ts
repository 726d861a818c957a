// Forward passes of every zoo architecture on the real Dawn adapter (the CPU fallback here) at
// small input sizes, and MobileNet v1 0.25 built in code with the real ImageNet weights of the
// tfjs fixture: it must equal the model loaded from the file and classify the dog as a dog.
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { testDevice } from '../helpers/gpu.ts';
import { randomArray } from '../helpers/random.ts';
import { expectClose } from '../helpers/compare.ts';
import { buildZoo } from '../../src/zoo/index.ts';
import { Tensor } from '../../src/graph/tensor.ts';
import { setSeed } from '../../src/graph/initializers.ts';
import { loadWeights } from '../../src/graph/load-weights.ts';
import { parseTfjsJson, readTfjsWeights, loadTfjsLayers } from '../../src/loaders/tfjs-layers.ts';
import { readImage } from '../../src/node/images.ts';
import { preprocessImage } from '../../src/train/data/preprocess.ts';
import { topK, IMAGENET_LABELS } from '../../src/train/data/imagenet-labels.ts';
import type { Model } from '../../src/graph/model.ts';

async function run(model: Model, x: Float32Array | Float64Array, batch: number): Promise<Float32Array> {
  const t = Tensor.from(Float32Array.from(x), [batch, ...model.inputShape]);
  const y = model.call([t], { training: false });
  const out = await y.data();
  t.dispose();
  y.dispose();
  return out;
}

describe('zoo forward passes on the CPU adapter (small inputs, no top)', () => {
  beforeAll(testDevice);
  const cases: [string, object, number[], number[]][] = [
    ['vgg16', { includeTop: false, inputShape: [32, 32, 3] }, [1, 1, 512], [2]],
    ['vgg19', { includeTop: false, inputShape: [32, 32, 3], pooling: 'max' }, [512], [1]],
    ['resnet50', { includeTop: false, inputShape: [32, 32, 3], pooling: 'avg' }, [2048], [2]],
    ['inception_v3', { includeTop: false, inputShape: [75, 75, 3] }, [1, 1, 2048], [1]],
    ['mobilenet', { includeTop: false, inputShape: [32, 32, 3], alpha: 0.5 }, [1, 1, 512], [2]],
    ['mobilenet', { alpha: 0.25, inputShape: [35, 35, 3], classes: 7 }, [7], [1]],
    ['mobilenet_v2', { includeTop: false, inputShape: [33, 33, 3], alpha: 0.35 }, [2, 2, 1280], [2]],
    ['mobilenet_v2', { alpha: 0.35, inputShape: [32, 32, 3], classes: 5 }, [5], [1]],
  ];
  for (const [id, opts, outShape, [batch]] of cases) {
    it(`${id} ${JSON.stringify(opts)} -> [${batch},${outShape}]`, async () => {
      setSeed(1);
      const m = buildZoo(id, opts);
      expect([...m.outputShape]).toEqual(outShape);
      const n = batch * m.inputShape.reduce((a, b) => a * b, 1);
      const y = await run(m, randomArray(n, 3, 0, 1), batch);
      expect(y.length).toBe(batch * outShape.reduce((a, b) => a * b, 1));
      expect(y.every(Number.isFinite)).toBe(true);
      if (m.layers.at(-1)!.name === 'reshape_2' || m.layers.at(-1)!.name === 'Logits') {
        for (let b = 0; b < batch; b++) expect(y.subarray(b * outShape[0], (b + 1) * outShape[0]).reduce((s, v) => s + v, 0)).toBeCloseTo(1, 4);
      } else expect(y.some((v) => v !== 0)).toBe(true);
      m.dispose();
    }, 240_000);
  }
});

const FIX = '../shared/fixtures';
const MN = `${FIX}/tfjs/mobilenet_v1_0.25_224`;
describe.skipIf(!existsSync(MN))('MobileNet 0.25 built in code with the tfjs fixture weights (needs ../shared/fixtures)', () => {
  beforeAll(testDevice);
  const json = () => parseTfjsJson(readFileSync(`${MN}/model.json`));
  const shard = async (p: string) => new Uint8Array(readFileSync(`${MN}/${p}`));
  const dog = () => preprocessImage(readImage(`${FIX}/images/dog.jpg`), { width: 224, height: 224, mode: 'inception' });

  it('loads every weight by name and classifies images/dog.jpg as a husky/malamute (248-250)', async () => {
    const model = buildZoo('mobilenet', { alpha: 0.25 });
    const report = loadWeights(model, await readTfjsWeights(json(), shard));
    expect(report.missing).toEqual([]);
    expect(report.unused).toEqual([]);
    expect(report.loaded.length).toBe(model.weights.length);
    const probs = await run(model, dog(), 1);
    const top = topK(probs, 3);
    expect(top.map((t) => t.index).sort()).toEqual([248, 249, 250]);
    expect(IMAGENET_LABELS[top[0].index]).toMatch(/malamute|husky|Eskimo/);
    model.dispose();
  }, 240_000);

  it('predicts the same as the model loaded from the file (tfjs-layers loader)', async () => {
    const model = buildZoo('mobilenet', { alpha: 0.25 });
    loadWeights(model, await readTfjsWeights(json(), shard));
    const { model: ref } = await loadTfjsLayers(json(), shard);
    const x = Float32Array.from(randomArray(2 * 224 * 224 * 3, 9));
    x.set(dog());
    const ours = await run(model, x, 2);
    const theirs = await run(ref, x, 2);
    expectClose(ours, theirs, 1e-5, 'MobileNet 0.25 zoo vs file');
    model.dispose();
    ref.dispose();
  }, 240_000);
});
