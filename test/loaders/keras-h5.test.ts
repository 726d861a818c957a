// Keras H5 / .keras / weights-only loading against the fixtures written by Keras itself.
import { describe, it, expect, beforeAll } from 'vitest';
import { existsSync, readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { join, basename } from 'node:path';
import { tmpdir } from 'node:os';
import { testDevice, upload } from '../helpers/gpu.ts';
import { expectClose } from '../helpers/compare.ts';
import { FIX, hasFixtures, listFiles, pythonH5, py } from './keras-files.ts';
import { loadModelFile } from '../../src/node/models.ts';
import { openH5File } from '../../src/node/h5.ts';
import { loadKerasWeights, loadKerasH5Model, h5ModelConfig } from '../../src/loaders/keras/load.ts';
import { modelFromConfig, UnsupportedLayersError, unsupportedClasses } from '../../src/loaders/keras/model-config.ts';
import { readKerasWeights, flipKernel } from '../../src/loaders/keras/h5-weights.ts';
import { at, readDataset } from '../../src/loaders/keras/h5.ts';
import { parseNpy } from '../../src/loaders/npy.ts';
import { tidy } from '../../src/graph/scope.ts';
import { hostTensor } from '../../src/loaders/named-tensors.ts';

const KERAS = join(FIX, 'keras');
const modelFiles = listFiles(KERAS, /\.(h5|hdf5|keras)$/).filter((f) => !/_(weights|inputs_and_outputs)\.h5$/.test(f));
/** Classes CONTRACTS refuses by design. */
const REFUSED = /LocallyConnected|Conv1D|GlobalAveragePooling1D|RepeatVector|LSTM|GRU|SimpleRNN|Lambda/;

/** Sum of the sizes of all arrays under model_weights, computed by h5py (the file's own count). */
function h5pyParams(file: string): number | null {
  if (!pythonH5 || file.endsWith('.keras')) return null;
  return Number(py(`import h5py,sys
f=h5py.File(sys.argv[1],'r'); g=f['model_weights'] if 'model_weights' in f else f
n=[0]
g.visititems(lambda k,o: n.__setitem__(0, n[0]+o.size) if isinstance(o,h5py.Dataset) else None)
print(n[0])`, file));
}

describe.skipIf(!hasFixtures)('Keras fixtures: every file loads or is refused by class name', () => {
  beforeAll(testDevice);
  const blocked: string[] = [];
  for (const f of modelFiles) {
    it(basename(f), async () => {
      let r;
      try {
        r = await loadModelFile(f).catch((e: Error) => {
          // Fully convolutional files (12net: [None,None,3]) need an input size from the user.
          if (/unknown sizes/.test(e.message)) return loadModelFile(f, { inputShape: [12, 12, 3] });
          throw e;
        });
      } catch (e) {
        expect(e).toBeInstanceOf(UnsupportedLayersError);
        const classes = [...(e as UnsupportedLayersError).classes.keys()];
        for (const c of classes) expect((e as Error).message).toContain(c);
        if (classes.some((c) => REFUSED.test(c))) return;
        blocked.push(`${basename(f)}: ${classes.join(', ')}`);
        console.warn(`blocked on missing layers: ${basename(f)}: ${classes.join(', ')}`);
        return;
      }
      expect(r.model.countParams()).toBe(r.fileParams);
      const want = h5pyParams(f);
      if (want !== null) expect(r.model.countParams()).toBe(want);
      const t = r.model.trainableWeights.reduce((s, v) => s + v.size, 0);
      const nt = r.model.nonTrainableWeights.reduce((s, v) => s + v.size, 0);
      expect(t + nt).toBe(r.fileParams);
      r.model.dispose();
    });
  }
  it('refuses LocallyConnected2D and Conv1D files naming every unsupported class at once', async () => {
    const h = await openH5File(join(KERAS, 'dl4j/tfkeras/GAPError.h5'));
    const bad = unsupportedClasses(h5ModelConfig(h)!);
    h.close();
    expect([...bad.keys()]).toEqual(expect.arrayContaining(['Conv1D', 'GlobalAveragePooling1D', 'RepeatVector']));
    await expect(loadModelFile(join(KERAS, 'dl4j/tfkeras/cnn2d_32.h5'))).rejects.toThrow(/LocallyConnected2D \(locally_connected2d, locally_connected2d_1\)/);
  });
});

describe.skipIf(!hasFixtures)('Keras fixtures: outputs match Keras', () => {
  beforeAll(testDevice);
  const dir = join(KERAS, 'dl4j/examples/activations');
  for (const io of listFiles(dir, /_inputs_and_outputs\.h5$/)) {
    const stem = basename(io).replace('_inputs_and_outputs.h5', '');
    it(`${stem}: model.h5 and model config + weights.h5 reproduce Keras's predictions`, async (ctx) => {
      let loaded;
      try {
        loaded = await loadModelFile(join(dir, `${stem}_model.h5`));
      } catch (e) {
        if (e instanceof UnsupportedLayersError) return ctx.skip(`blocked on missing layers: ${[...e.classes.keys()].join(', ')}`);
        throw e;
      }
      const h = await openH5File(io);
      const x = readDataset(h, at(h, h.root, 'inputs')!.get!(at(h, h.root, 'inputs')!.keys!()[0])!, 'x');
      const outs = at(h, h.root, 'predictions')!;
      const y = readDataset(h, outs.get!(outs.keys!()[0])!, 'y');
      h.close();
      const ours = await tidy(() => loaded.model.call([upload(x.data, x.shape)], { training: false }).data());
      expectClose(ours, y.data, 1e-4, `${stem} predictions`);
      // The same architecture from <stem>_config.json, weights from the save_weights file.
      const m2 = modelFromConfig(readFileSync(join(dir, `${stem}_config.json`), 'utf8'));
      const wh = await openH5File(join(dir, `${stem}_weights.h5`));
      const rep = loadKerasWeights(m2, wh);
      wh.close();
      expect(rep.missing).toEqual([]);
      const ours2 = await tidy(() => m2.call([upload(x.data, x.shape)], { training: false }).data());
      expectClose(ours2, y.data, 1e-4, `${stem} predictions (weights file)`);
      loaded.model.dispose();
      m2.dispose();
    });
  }
  it('fullconfigs_cnn/cnn_batch_norm.h5 matches predictions.npy', async (ctx) => {
    const d = join(KERAS, 'dl4j/fullconfigs_cnn');
    let r;
    try {
      r = await loadModelFile(join(d, 'cnn_batch_norm.h5'));
    } catch (e) {
      if (e instanceof UnsupportedLayersError) return ctx.skip(`blocked on missing layers: ${[...e.classes.keys()].join(', ')}`);
      throw e;
    }
    const x = parseNpy(new Uint8Array(readFileSync(join(d, 'input.npy'))));
    const y = parseNpy(new Uint8Array(readFileSync(join(d, 'predictions.npy'))));
    const ours = await tidy(() => r.model.call([upload(x.data, x.shape)], { training: false }).data());
    expectClose(ours, y.data, 1e-4, 'cnn_batch_norm predictions');
  });
});

describe.skipIf(!hasFixtures)('Keras weights: names, Keras 1, Theano, order, mismatch', () => {
  beforeAll(testDevice);
  it('weight_names is the authority (Keras 1 convolution2d_1_W, nested model groups)', async () => {
    const h = await openH5File(join(KERAS, 'dl4j/weights/conv2d_theano_1.h5'));
    const w = readKerasWeights(h);
    h.close();
    expect(w.groups[0].layer).toBe('convolution2d_1');
    expect(w.groups[0].weights.map((t) => t.name)).toEqual(['convolution2d_1_W', 'convolution2d_1_b']);
    const h2 = await openH5File(join(KERAS, 'alibi/iris-ae-tf2.18.0.h5'));
    const w2 = readKerasWeights(h2);
    h2.close();
    expect(w2.groups.find((g) => g.layer === 'model_1')!.weights.map((t) => t.name)).toEqual(['dense_2/kernel:0', 'dense_2/bias:0', 'dense_3/kernel:0', 'dense_3/bias:0']);
  });
  it('Theano-trained kernels are flipped as Keras converts them (backend attribute theano)', async (ctx) => {
    const f = join(KERAS, 'dl4j/weights/conv2d_theano_2.h5');
    let r;
    try {
      r = await loadModelFile(f);
    } catch (e) {
      if (e instanceof UnsupportedLayersError) return ctx.skip('Conv2D not registered yet');
      throw e;
    }
    const h = await openH5File(f);
    const raw = readKerasWeights(h).groups[0].weights[0];
    h.close();
    const got = await r.model.weights[0].data();
    expect(Array.from(got)).toEqual(Array.from(flipKernel(raw).data));
    expect(Array.from(got)).not.toEqual(Array.from(raw.data));
  });
  it('Keras 3 .weights.h5 (layers/<name>/vars/<i>) into a model built from config.json, by name', async () => {
    const { readKerasZip } = await import('../../src/loaders/keras/keras-zip.ts');
    const { fileSource } = await import('../../src/node/files.ts');
    const src = fileSource(join(KERAS, 'alibi/iris-ae-tf2.18.0.keras'));
    const z = await readKerasZip(src);
    src.close();
    const p = join(mkdtempSync(join(tmpdir(), 'wgft-k3-')), 'model.weights.h5');
    writeFileSync(p, await z.weights.read(0, z.weights.size));
    const m = modelFromConfig(z.config as never);
    const h = await openH5File(p);
    const w = readKerasWeights(h);
    expect(w.layout).toBe('keras3');
    expect(w.groups.filter((g) => g.weights.length).map((g) => g.layer)).toEqual(['dense', 'dense_1', 'dense_2', 'dense_3']);
    const rep = loadKerasWeights(m, h);
    h.close();
    expect(rep.missing).toEqual([]);
    expect(rep.unused).toEqual([]);
    expect(rep.loaded.length).toBe(8);
    // The same values as the tf.keras H5 of the same model? (different runs: only shapes agree)
    expect(m.weights.map((v) => v.shape.join('x'))).toEqual(['4x5', '5', '5x2', '2', '2x5', '5', '5x4', '4']);
    m.dispose();
  });
  it('Keras 1 channels_first (dim_ordering th) kernels [O,I,H,W] become [H,W,I,O]; Theano flips them', async () => {
    const { convertLayerWeights } = await import('../../src/loaders/keras/h5-weights.ts');
    const layer = { className: 'Conv2D', weights: [{ shape: [2, 3, 4, 5] }], getConfig: () => ({ data_format: 'channels_first' }) } as never;
    const O = 5, I = 4, H = 2, W = 3;
    const k = new Float32Array(O * I * H * W).map((_, i) => i);
    const [t] = convertLayerWeights(layer, [hostTensor('w', [O, I, H, W], k)], true, false);
    expect(t.shape).toEqual([H, W, I, O]);
    // element [h,w,i,o] = file[o,i,h,w]
    const at4 = (h: number, w: number, i: number, o: number) => t.data[((h * W + w) * I + i) * O + o];
    expect(at4(1, 2, 3, 4)).toBe(((4 * I + 3) * H + 1) * W + 2);
    const [f] = convertLayerWeights(layer, [hostTensor('w', [O, I, H, W], k)], true, true);
    expect(f.data[((0 * W + 0) * I + 3) * O + 4]).toBe(at4(H - 1, W - 1, 3, 4));
  });
  it('flipKernel reverses the spatial axes only', () => {
    const t = hostTensor('k', [2, 2, 1, 2], Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]));
    expect(Array.from(flipKernel(t).data)).toEqual([7, 8, 5, 6, 3, 4, 1, 2]);
  });
  it('weights by order and a mis-shaped weights file give one clear error', async () => {
    const dir = join(KERAS, 'dl4j/examples/activations');
    const m = modelFromConfig(readFileSync(join(dir, 'ReLU_0_config.json'), 'utf8').replace('"ReLU"', '"Activation"').replace('"name": "re_lu_1"', '"name": "re_lu_1", "activation": "relu"'));
    const wh = await openH5File(join(dir, 'ReLU_0_weights.h5'));
    const rep = loadKerasWeights(m, wh, { by: 'order' });
    expect(rep.loaded.length).toBe(2);
    // A model whose Dense has another width: the report names the tensor and both shapes.
    const cfg = JSON.parse(readFileSync(join(dir, 'ReLU_0_config.json'), 'utf8'));
    cfg.config.layers = [cfg.config.layers[0]];
    cfg.config.layers[0].config.units = 7;
    const bad = modelFromConfig(cfg);
    expect(() => loadKerasWeights(bad, wh)).toThrow(/ReLU_0_weights\.h5: cannot load into model .*shapes differ: dense\/kernel:0: file \[16,32\] vs model \[16,7\]/);
    const skipped = loadKerasWeights(bad, wh, { skipMismatch: true, allowMissing: true });
    expect(skipped.mismatched.length).toBe(2);
    expect(skipped.unused).toEqual([]);
    wh.close();
    m.dispose();
    bad.dispose();
  });
});

describe.skipIf(!hasFixtures)('bad files: one clear error each', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'wgft-keras-'));
  it('truncated H5', async () => {
    const p = join(tmp, 'trunc.h5');
    writeFileSync(p, readFileSync(join(KERAS, 'face_classification/gender_mini_XCEPTION.21-0.95.hdf5')).subarray(0, 50_000));
    await expect(openH5File(p)).rejects.toThrow(/trunc\.h5: truncated HDF5 file: it has 50000 bytes but its header says \d+/);
  });
  it('non-HDF5 file', async () => {
    const p = join(tmp, 'text.h5');
    writeFileSync(p, 'version https://git-lfs.github.com/spec/v1\n');
    await expect(openH5File(p)).rejects.toThrow(/text\.h5: not an HDF5 file \(no HDF5 signature; it starts with "version https:\/\/"\)/);
  });
  it('missing file', async () => {
    await expect(openH5File(join(tmp, 'nope.h5'))).rejects.toThrow(/nope\.h5: cannot open \(ENOENT\)/);
  });
  it('truncated .keras zip', async () => {
    const p = join(tmp, 'trunc.keras');
    const b = readFileSync(join(KERAS, 'alibi/iris-ffn-tf2.18.0.keras'));
    writeFileSync(p, b.subarray(0, b.length - 100));
    await expect(loadModelFile(p)).rejects.toThrow(/trunc\.keras: /);
  });
  it('truncated tail inside the data region is caught by the header check', async () => {
    const src = readFileSync(join(KERAS, 'dl4j/tfkeras/act_0.h5'));
    const p = join(tmp, 'tail.h5');
    writeFileSync(p, src.subarray(0, src.length - 10));
    await expect(openH5File(p)).rejects.toThrow(/tail\.h5: truncated HDF5 file/);
  });
});
