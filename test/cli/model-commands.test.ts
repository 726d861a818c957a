// wgft inspect (models), run and predict, called in-process on the fixtures.
import { describe, it, expect, beforeAll, vi } from 'vitest';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { testDevice } from '../helpers/gpu.ts';
import { expectClose } from '../helpers/compare.ts';
import { FIX, hasFixtures, pythonH5, py } from '../loaders/keras-files.ts';
import { inspectModel, type ModelSummary } from '../../src/cli/inspect-model.ts';
import { runCommand } from '../../src/cli/run.ts';
import { predictCommand } from '../../src/cli/predict.ts';
import { parseNpy, writeNpy } from '../../src/loaders/npy.ts';

const tmp = mkdtempSync(join(tmpdir(), 'wgft-cli-'));

async function capture(fn: () => Promise<unknown>): Promise<string> {
  const out: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  const spyErr = vi.spyOn(console, 'error').mockImplementation(() => {});
  try {
    await fn();
  } finally {
    spy.mockRestore();
    spyErr.mockRestore();
  }
  return out.join('\n');
}

describe('npy', () => {
  it('round-trips float32 and reads other dtypes', () => {
    const d = Float32Array.from([1, -2.5, 3, 4, 5, 6]);
    const a = parseNpy(writeNpy(d, [2, 3]));
    expect(a.shape).toEqual([2, 3]);
    expect(Array.from(a.data)).toEqual(Array.from(d));
    expect(() => parseNpy(new TextEncoder().encode('hello world!'), 'x.npy')).toThrow(/x\.npy: not a \.npy file/);
  });
  it.skipIf(!pythonH5)('reads what numpy writes (float64, int64, 0-d, 1-d)', () => {
    const p = join(tmp, 'a.npy');
    py(`import numpy as np,sys; np.save(sys.argv[1], np.arange(12, dtype=np.float64).reshape(3,4)/8)`, p);
    const a = parseNpy(new Uint8Array(readFileSync(p)));
    expect(a.shape).toEqual([3, 4]);
    expect(a.data[5]).toBe(5 / 8);
    py(`import numpy as np,sys; np.save(sys.argv[1], np.array([7,8,9], dtype=np.int64))`, p);
    expect(Array.from(parseNpy(new Uint8Array(readFileSync(p))).data)).toEqual([7, 8, 9]);
    writeFileSync(p, writeNpy(Float32Array.from([1, 2]), [2]));
    expect(py(`import numpy as np,sys; a=np.load(sys.argv[1]); print(a.dtype, a.shape, a.tolist())`, p).trim()).toBe('float32 (2,) [1.0, 2.0]');
  });
});

describe.skipIf(!hasFixtures)('wgft inspect / run / predict on fixtures', () => {
  beforeAll(testDevice);
  it('inspect --json: layers, output shapes and parameter totals of a Keras file', async () => {
    const s = JSON.parse(await inspectModel(join(FIX, 'keras/face_classification/gender_mini_XCEPTION.21-0.95.hdf5'), { json: true })) as ModelSummary;
    expect(s.layers.length).toBe(46);
    expect(s.layers[0]).toEqual({ name: 'input_1', class: 'InputLayer', output_shape: [null, 64, 64, 1], params: 0, trainable: true });
    expect(s.total_params).toBe(s.layers.reduce((a, l) => a + l.params, 0));
    expect(s.trainable_params + s.non_trainable_params).toBe(s.total_params);
    if (pythonH5) {
      const n = Number(py(`import h5py,sys
f=h5py.File(sys.argv[1],'r'); n=[0]; f['model_weights'].visititems(lambda k,o: n.__setitem__(0,n[0]+o.size) if isinstance(o,h5py.Dataset) else None); print(n[0])`, join(FIX, 'keras/face_classification/gender_mini_XCEPTION.21-0.95.hdf5')));
      expect(s.total_params).toBe(n);
    }
    // BatchNormalization moving statistics are the non-trainable parameters.
    const bnChannels = s.layers.filter((l) => l.class === 'BatchNormalization').reduce((a, l) => a + l.params / 4, 0);
    expect(s.non_trainable_params).toBe(2 * bnChannels);
  });
  it('inspect of a file with refused classes still summarizes it from the file', async () => {
    const text = await inspectModel(join(FIX, 'keras/dl4j/tfkeras/cnn2d_32.h5'), {});
    expect(text).toMatch(/not runnable here: .*LocallyConnected2D/);
    expect(text).toMatch(/locally_connected2d \(LocallyConnected2D\)/);
  });
  it('inspect of the tfjs MobileNet: 475,544 parameters', async () => {
    const s = JSON.parse(await inspectModel(join(FIX, 'tfjs/mobilenet_v1_0.25_224/model.json'), { json: true })) as ModelSummary;
    expect(s.total_params).toBe(475544);
    expect(s.layers.length).toBe(88);
  });
  it('wgft inspect dispatches .h5 / .keras / model.json and zoo ids to the model inspector', async () => {
    const { inspectAny } = await import('../../src/cli/inspect.ts');
    const a = JSON.parse(await inspectAny(join(FIX, 'keras/alibi/iris-ffn-tf2.18.0.keras'), true)) as ModelSummary;
    const b = JSON.parse(await inspectAny(join(FIX, 'keras/alibi/iris-ffn-tf2.18.0.h5'), true)) as ModelSummary;
    expect(a.total_params).toBe(83);
    expect(b.total_params).toBe(83);
    const z = JSON.parse(await inspectAny('mobilenet', true, false)) as ModelSummary;
    expect(z.layers[0].class).toBe('InputLayer');
    expect(z.total_params).toBe(3228864);
  });
  it('run writes the predictions of fullconfigs_cnn within 1e-4', async () => {
    const d = join(FIX, 'keras/dl4j/fullconfigs_cnn');
    const out = join(tmp, 'y.npy');
    await capture(() => runCommand().parseAsync(['--model', join(d, 'cnn_batch_norm.h5'), '--input', join(d, 'input.npy'), '--output', out], { from: 'user' }));
    const y = parseNpy(new Uint8Array(readFileSync(out)));
    const ref = parseNpy(new Uint8Array(readFileSync(join(d, 'predictions.npy'))));
    expect(y.shape).toEqual(ref.shape);
    expectClose(y.data, ref.data, 1e-4, 'wgft run predictions');
  });
  it('run --layer writes an intermediate activation', async () => {
    const d = join(FIX, 'keras/dl4j/fullconfigs_cnn');
    const out = join(tmp, 'h.npy');
    await capture(() => runCommand().parseAsync(['--model', join(d, 'cnn_batch_norm.h5'), '--input', join(d, 'input.npy'), '--output', out, '--layer', 'flatten_1'], { from: 'user' }));
    const y = parseNpy(new Uint8Array(readFileSync(out)));
    expect(y.shape[0]).toBe(5);
    expect(y.shape.length).toBe(2);
  });
  it('predict --json: MobileNet puts a husky class first for dog.jpg', async () => {
    const text = await capture(() => predictCommand().parseAsync(['--model', join(FIX, 'tfjs/mobilenet_v1_0.25_224/model.json'), '--top', '3', '--json', join(FIX, 'images/dog.jpg')], { from: 'user' }));
    const r = JSON.parse(text) as { image: string; top: { class: number; label: string; score: number }[] }[];
    expect(r[0].top.map((t) => t.class).sort()).toEqual([248, 249, 250]);
    expect(r[0].top[0].label).toBe('malamute');
  });
});
