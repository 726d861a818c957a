// Export to tfjs-layers: the model.json + shards load in @tensorflow/tfjs-layers (CPU backend) and
// give our outputs within 1e-4 (float32) or within the quantization error (uint8/uint16); class
// names round-trip; graph models and SavedModel directories are refused with what to do.
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { testDevice, upload } from '../helpers/gpu.ts';
import { randomArray } from '../helpers/random.ts';
import { expectClose } from '../helpers/compare.ts';
import { Input, Model } from '../../src/graph/model.ts';
import { Conv2D } from '../../src/graph/layers/conv2d.ts';
import { BatchNormalization } from '../../src/graph/layers/batch-normalization.ts';
import { GlobalAveragePooling2D } from '../../src/graph/layers/global-pooling.ts';
import { Dense } from '../../src/graph/layers/dense.ts';
import { Add } from '../../src/graph/layers/add.ts';
import { exportTfjsLayers, quantizeWeights, type TfjsQuantization } from '../../src/loaders/tfjs-export.ts';
import { parseTfjsJson, loadTfjsLayers } from '../../src/loaders/tfjs-layers.ts';
import { saveTfjsLayers } from '../../src/node/tfjs-export.ts';
import { loadModelFile } from '../../src/node/models.ts';
import { saveKerasH5 } from '../../src/loaders/keras/save.ts';
import { tidy } from '../../src/graph/scope.ts';
import { withAugmentation } from '../../src/train/augment.ts';
import { addHead } from '../../src/train/head.ts';
import { RandomFlip } from '../../src/graph/layers/random-affine.ts';
import { RandomContrast } from '../../src/graph/layers/random-color.ts';

const tmp = mkdtempSync(join(tmpdir(), 'wgft-tfjs-export-'));

function smallCnn(): Model {
  const x = Input([7, 6, 3], 'img');
  const c = new Conv2D({ filters: 4, kernelSize: [3, 3], padding: 'same', activation: 'relu', name: 'c1' }).apply(x);
  const b = new BatchNormalization({ name: 'bn1' }).apply(c);
  const c2 = new Conv2D({ filters: 4, kernelSize: [1, 1], name: 'c2' }).apply(b);
  const s = new Add({ name: 'sum' }).apply([b, c2]);
  const g = new GlobalAveragePooling2D({ name: 'gap' }).apply(s);
  const y = new Dense({ units: 3, activation: 'softmax', name: 'probs' }).apply(g);
  const m = new Model({ inputs: x, outputs: y, name: 'small_cnn' });
  m.weights.forEach((v, i) => v.assign(Float32Array.from(randomArray(v.size, 100 + i, v.name.includes('variance') ? 0.5 : -1, v.name.includes('variance') ? 1.5 : 1))));
  return m;
}

async function tfjsRun(modelJson: { modelTopology: unknown; weightsManifest: { weights: unknown[] }[] }, shards: Uint8Array[], x: Float32Array, shape: number[]) {
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-cpu');
  const tfl = await import('@tensorflow/tfjs-layers');
  await tf.setBackend('cpu');
  const total = shards.reduce((s, p) => s + p.byteLength, 0);
  const buf = new Uint8Array(total);
  let o = 0;
  for (const p of shards) {
    buf.set(p, o);
    o += p.byteLength;
  }
  const m = await tfl.loadLayersModel(
    tf.io.fromMemory({ modelTopology: modelJson.modelTopology as object, weightSpecs: modelJson.weightsManifest.flatMap((g) => g.weights) as never, weightData: buf.buffer }),
  );
  const y = m.predict(tf.tensor(x, shape)) as import('@tensorflow/tfjs-core').Tensor;
  const data = Float32Array.from(await y.data());
  y.dispose();
  m.dispose();
  return data;
}

describe('tfjs-layers export', () => {
  beforeAll(testDevice);

  it('quantizes as tensorflowjs_converter does (nudged zero, round half to even)', () => {
    const d = Float32Array.of(-1, -0.5, 0, 0.25, 2);
    const { q, min, scale } = quantizeWeights(d, 'uint8');
    expect(scale).toBeCloseTo(3 / 255, 12);
    expect(min).toBeCloseTo(-Math.round(1 / (3 / 255)) * (3 / 255), 12);
    expect(min + q[2] * scale).toBeCloseTo(0, 12);
    for (let i = 0; i < d.length; i++) expect(Math.abs(min + q[i] * scale - d[i])).toBeLessThanOrEqual(scale / 2 + 1e-9);
    const c = quantizeWeights(Float32Array.of(0.3, 0.3), 'uint16');
    expect([c.min, c.scale, ...c.q]).toEqual([Math.fround(0.3), 1, 0, 0]);
  });

  for (const quantize of ['float32', 'uint16', 'uint8'] as TfjsQuantization[]) {
    it(`${quantize}: loads in tfjs-layers and matches our outputs`, async () => {
      const m = smallCnn();
      const { modelJson, shards } = await exportTfjsLayers(m, { quantize, classNames: ['a', 'b', 'c'], shardBytes: 64 });
      expect(shards.length).toBeGreaterThan(1);
      expect(modelJson.format).toBe('layers-model');
      expect(modelJson.userDefinedMetadata).toEqual({ classNames: ['a', 'b', 'c'] });
      const w = modelJson.weightsManifest[0].weights;
      expect(w.map((e) => e.name)).toEqual(m.weights.map((v) => v.name.replace(/:0$/, '')));
      if (quantize !== 'float32') for (const e of w) expect(e.quantization?.dtype).toBe(quantize);
      const shape = [2, 7, 6, 3];
      const x = Float32Array.from(randomArray(2 * 7 * 6 * 3, 5));
      const ours = await tidy(() => m.call([upload(x, shape)], { training: false }).data());
      const ref = await tfjsRun(modelJson, shards, x, shape);
      expectClose(ours, ref, quantize === 'float32' ? 1e-4 : quantize === 'uint16' ? 1e-3 : 5e-2, `${quantize} export vs tfjs`);
      // Our own loader reads it back to the same (dequantized) values tfjs uses.
      const back = await loadTfjsLayers(parseTfjsJson(JSON.stringify(modelJson)), async (p) => shards[modelJson.weightsManifest[0].paths.indexOf(p)]);
      const ours2 = await tidy(() => back.model.call([upload(x, shape)], { training: false }).data());
      expectClose(ours2, ref, 1e-4, `${quantize} re-read vs tfjs`);
      back.model.dispose();
      m.dispose();
    });
  }

  it('augmentation layers in front of a nested backbone are left out (tfjs has none); tfjs gives our outputs', async () => {
    const base = smallCnn();
    const aug = withAugmentation(base, [new RandomFlip({ seed: 1 }), new RandomContrast({ factor: 0.3, seed: 2 })]);
    const { model } = addHead(aug, 'dense:1:sigmoid', 'finetuned');
    model.weights.forEach((v) => v.size < 4 && v.assign(Float32Array.from(randomArray(v.size, 3))));
    const { modelJson, shards } = await exportTfjsLayers(model, { classNames: ['no', 'yes'] });
    const cfg = JSON.stringify(modelJson.modelTopology);
    expect(cfg).not.toMatch(/RandomFlip|RandomContrast/);
    const shape = [2, 7, 6, 3];
    const x = Float32Array.from(randomArray(2 * 7 * 6 * 3, 8));
    const ours = await tidy(() => model.call([upload(x, shape)], { training: false }).data());
    const ref = await tfjsRun(modelJson, shards, x, shape);
    expectClose(ours, ref, 1e-4, 'augmented nested model vs tfjs');
    // Kept when asked (for our own loader, which knows the classes).
    const kept = await exportTfjsLayers(model, { stripAugmentation: false });
    expect(JSON.stringify(kept.modelJson.modelTopology)).toMatch(/RandomFlip/);
    const back = await loadTfjsLayers(kept.modelJson, async (p) => kept.shards[kept.modelJson.weightsManifest[0].paths.indexOf(p)]);
    expectClose(await tidy(() => back.model.call([upload(x, shape)], { training: false }).data()), ours, 1e-6, 're-read with augmentation');
    back.model.dispose();
    model.dispose();
  });

  it('Node writer + loadModelFile: class names from model.json and from the .h5 attribute', async () => {
    const m = smallCnn();
    const dir = join(tmp, 'exp');
    const files = await saveTfjsLayers(m, dir, { classNames: ['cat', 'dog', 'eel'] });
    expect(files[0]).toBe(join(dir, 'model.json'));
    const r = await loadModelFile(join(dir, 'model.json'));
    expect(r.classNames).toEqual(['cat', 'dog', 'eel']);
    expect(r.model.layers.map((l) => l.name)).toEqual(m.layers.map((l) => l.name));
    r.model.dispose();
    const h5 = join(tmp, 'm.h5');
    writeFileSync(h5, await saveKerasH5(m, { classNames: ['x', 'y', 'z'] }));
    const r2 = await loadModelFile(h5);
    expect(r2.classNames).toEqual(['x', 'y', 'z']);
    r2.model.dispose();
    m.dispose();
  });
});

describe('refusals', () => {
  it('a tfjs graph model names what it is and what to do', async () => {
    const dir = join(tmp, 'graph');
    mkdirSync(dir, { recursive: true });
    const j = {
      format: 'graph-model',
      generatedBy: '2.3.0',
      convertedBy: 'TensorFlow.js Converter v2.0.0',
      modelTopology: { node: [{ name: 'x', op: 'Placeholder', attr: {} }], library: {}, versions: {} },
      weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: [] }],
    };
    writeFileSync(join(dir, 'model.json'), JSON.stringify(j));
    await expect(loadModelFile(join(dir, 'model.json'))).rejects.toThrow(/graph model.*"graph-model".*tensorflowjs_converter --input_format keras/s);
    // Without the format field, a GraphDef topology (node list) is recognised too.
    expect(() => parseTfjsJson(JSON.stringify({ ...j, format: undefined }), 'g.json')).toThrow(/g\.json: found a TensorFlow\.js graph model/);
  });
  it('a SavedModel directory points at variables/', async () => {
    const dir = join(tmp, 'saved');
    mkdirSync(join(dir, 'variables'), { recursive: true });
    writeFileSync(join(dir, 'saved_model.pb'), Uint8Array.of(0x08, 0x01, 0x12, 0x00));
    writeFileSync(join(dir, 'variables', 'variables.index'), Uint8Array.of(0));
    for (const p of [dir, join(dir, 'saved_model.pb')]) {
      await expect(loadModelFile(p)).rejects.toThrow(/found a TensorFlow SavedModel \(saved_model\.pb.*variables\/variables\.index.*wgft inspect/s);
    }
    const bare = join(tmp, 'saved_bare');
    mkdirSync(bare, { recursive: true });
    writeFileSync(join(bare, 'saved_model.pb'), Uint8Array.of(0));
    await expect(loadModelFile(bare)).rejects.toThrow(/which is missing here/);
  });
});
