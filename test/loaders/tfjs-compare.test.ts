// Our outputs against TensorFlow.js's CPU backend (a dev dependency, used only here) on the same
// preprocessed input: MobileNet v1 within 1e-3, the nsfwjs InceptionV3 and MobileNetV2 likewise.
import { describe, it, expect, beforeAll } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { testDevice, upload } from '../helpers/gpu.ts';
import { expectClose } from '../helpers/compare.ts';
import { FIX } from './keras-files.ts';
import { loadModelFile } from '../../src/node/models.ts';
import { UnsupportedLayersError } from '../../src/loaders/keras/model-config.ts';
import { loadImageInput } from '../../src/node/images.ts';
import { tidy } from '../../src/graph/scope.ts';

const TFJS = join(FIX, 'tfjs');

async function tfjsPredict(dir: string, x: Float32Array, shape: number[]): Promise<Float32Array> {
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-cpu');
  const tfl = await import('@tensorflow/tfjs-layers');
  await tf.setBackend('cpu');
  const j = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  const specs = j.weightsManifest.flatMap((g: { weights: unknown[] }) => g.weights);
  const parts = j.weightsManifest.flatMap((g: { paths: string[] }) => g.paths.map((p) => readFileSync(join(dir, p))));
  const total = parts.reduce((s: number, p: Buffer) => s + p.length, 0);
  const buf = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    buf.set(p, o);
    o += p.length;
  }
  const m = await tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: j.modelTopology, weightSpecs: specs, weightData: buf.buffer }));
  const y = m.predict(tf.tensor(x, shape)) as import('@tensorflow/tfjs-core').Tensor;
  const data = Float32Array.from(await y.data());
  y.dispose();
  m.dispose();
  return data;
}

describe.skipIf(!existsSync(TFJS))('tfjs fixtures against TensorFlow.js (CPU backend)', () => {
  beforeAll(testDevice);
  for (const [dir, size, layers] of [['mobilenet_v1_0.25_224', 224, 88], ['nsfwjs_mobilenet_v2', 224, 162], ['nsfwjs_inception_v3', 299, 318]] as const) {
    it(`${dir}: outputs within 1e-3 of tfjs`, async (ctx) => {
      let r;
      try {
        r = await loadModelFile(join(TFJS, dir, 'model.json'));
      } catch (e) {
        if (e instanceof UnsupportedLayersError) return ctx.skip(`blocked on missing layers: ${[...e.classes.keys()].join(', ')}`);
        throw e;
      }
      expect(r.model.layers.length).toBe(layers);
      const x = loadImageInput(join(FIX, 'images/dog.jpg'), size, size, 'inception');
      const shape = [1, size, size, 3];
      const ours = await tidy(() => r.model.call([upload(x, shape)], { training: false }).data());
      const ref = await tfjsPredict(join(TFJS, dir), x, shape);
      expectClose(ours, ref, 1e-3, `${dir} vs tfjs`);
      r.model.dispose();
    });
  }
});
