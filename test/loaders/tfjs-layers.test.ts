// tfjs-layers model.json + shards: topology, float32 and uint8/uint16-quantized weights.
import { describe, it, expect, beforeAll } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { testDevice, upload } from '../helpers/gpu.ts';
import { FIX } from './keras-files.ts';
import { loadModelFile } from '../../src/node/models.ts';
import { readTfjsWeights, loadTfjsLayers, parseTfjsJson } from '../../src/loaders/tfjs-layers.ts';
import { UnsupportedLayersError } from '../../src/loaders/keras/model-config.ts';
import { loadImageInput } from '../../src/node/images.ts';
import { tidy } from '../../src/graph/scope.ts';

const TFJS = join(FIX, 'tfjs');

describe('tfjs weight manifest', () => {
  beforeAll(testDevice);
  it('dequantizes uint8 and uint16 (min + q * scale) and reads float32 across shards', async () => {
    const f32 = new Float32Array([1.5, -2, 3.25]);
    const shard1 = new Uint8Array([...new Uint8Array(f32.buffer).subarray(0, 6)]);
    const shard2 = new Uint8Array([...new Uint8Array(f32.buffer).subarray(6), 0, 10, 255, ...new Uint8Array(new Uint16Array([0, 1000]).buffer)]);
    const j = parseTfjsJson(JSON.stringify({
      modelTopology: { class_name: 'Sequential', config: [] },
      weightsManifest: [{
        paths: ['a', 'b'],
        weights: [
          { name: 'd/kernel', shape: [3], dtype: 'float32' },
          { name: 'd/bias', shape: [3], dtype: 'float32', quantization: { dtype: 'uint8', min: -1, scale: 0.5 } },
          { name: 'e/bias', shape: [2], dtype: 'float32', quantization: { dtype: 'uint16', min: 2, scale: 0.001 } },
        ],
      }],
    }));
    const w = await readTfjsWeights(j, async (p) => (p === 'a' ? shard1 : shard2));
    expect(Array.from(w.get('d/kernel')!.data)).toEqual([1.5, -2, 3.25]);
    expect(Array.from(w.get('d/bias')!.data)).toEqual([-1, 4, 126.5]);
    expect(Array.from(w.get('e/bias')!.data)).toEqual([2, Math.fround(2 + 1000 * 0.001)]);
  });
  it('a manifest that overruns its shards is refused before reading', async () => {
    const j = parseTfjsJson(JSON.stringify({ modelTopology: { class_name: 'Sequential', config: [] }, weightsManifest: [{ paths: ['a'], weights: [{ name: 'x', shape: [1000, 1000], dtype: 'float32' }] }] }));
    await expect(readTfjsWeights(j, async () => new Uint8Array(16), 'm.json')).rejects.toThrow(/m\.json: weight x \[1000,1000\] needs 4000000 bytes at offset 0, but the shards of group \[a\] hold 16/);
  });
  it('a Dense model from a topology and weights, matched by name', async () => {
    const topo = { class_name: 'Sequential', config: [{ class_name: 'Dense', config: { name: 'd', units: 2, batch_input_shape: [null, 3], activation: 'linear' } }] };
    const k = new Float32Array([1, 2, 3, 4, 5, 6]);
    const b = new Float32Array([0.5, -0.5]);
    const bytes = new Uint8Array([...new Uint8Array(b.buffer), ...new Uint8Array(k.buffer)]);
    const { model } = await loadTfjsLayers(JSON.stringify({ modelTopology: { model_config: topo }, weightsManifest: [{ paths: ['s'], weights: [{ name: 'd/bias', shape: [2], dtype: 'float32' }, { name: 'd/kernel', shape: [3, 2], dtype: 'float32' }] }] }), async () => bytes);
    const y = await tidy(() => model.call([upload([1, 1, 1], [1, 3])], { training: false }).data());
    expect(Array.from(y)).toEqual([9.5, 11.5]);
  });
});

describe.skipIf(!existsSync(TFJS))('tfjs fixtures', () => {
  beforeAll(testDevice);
  for (const [dir, layers, params] of [['mobilenet_v1_0.25_224', 88, 475544], ['nsfwjs_mobilenet_v2', 162, null], ['nsfwjs_inception_v3', 318, null]] as const) {
    it(`${dir} loads (${layers} layers) or names its missing layer classes`, async (ctx) => {
      let r;
      try {
        r = await loadModelFile(join(TFJS, dir, 'model.json'));
      } catch (e) {
        if (e instanceof UnsupportedLayersError) return ctx.skip(`blocked on missing layers: ${[...e.classes.keys()].join(', ')}`);
        throw e;
      }
      // InputLayer is one of Keras's layers in a functional model.
      expect(r.model.layers.length).toBe(layers);
      expect(r.model.countParams()).toBe(r.fileParams);
      if (params) expect(r.model.countParams()).toBe(params);
      r.model.dispose();
    });
  }
  it('mobilenet_v1_0.25_224 puts the husky classes 248-250 in its top 3 for dog.jpg', async (ctx) => {
    let r;
    try {
      r = await loadModelFile(join(TFJS, 'mobilenet_v1_0.25_224/model.json'));
    } catch (e) {
      if (e instanceof UnsupportedLayersError) return ctx.skip(`blocked on missing layers: ${[...e.classes.keys()].join(', ')}`);
      throw e;
    }
    const x = loadImageInput(join(FIX, 'images/dog.jpg'), 224, 224, 'inception');
    const p = await tidy(() => r.model.call([upload(x, [1, 224, 224, 3])], { training: false }).data());
    const top3 = Array.from(p.keys()).sort((a, b) => p[b] - p[a]).slice(0, 3);
    expect(top3.filter((c) => c >= 248 && c <= 250).length).toBeGreaterThan(0);
    console.log('mobilenet dog top-3', top3, top3.map((c) => p[c]));
  });
});
