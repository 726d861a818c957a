// Saving to Keras H5: bit-exact round trip through our reader; groups, attributes and dtypes
// checked with Debian's python3-h5py against a Keras-written fixture of the same kind.
import { describe, it, expect, beforeAll } from 'vitest';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { testDevice, upload } from '../helpers/gpu.ts';
import { randomArray } from '../helpers/random.ts';
import { FIX, hasFixtures, pythonH5, py } from './keras-files.ts';
import { Dense } from '../../src/graph/layers/dense.ts';
import { Activation } from '../../src/graph/layers/activation.ts';
import { Input, Model, Sequential } from '../../src/graph/model.ts';
import { saveKerasH5, modelConfig } from '../../src/loaders/keras/save.ts';
import { loadKerasModel } from '../../src/loaders/keras/load.ts';
import { bytesSource } from '../../src/loaders/byte-source.ts';
import { loadModelFile } from '../../src/node/models.ts';
import { tidy } from '../../src/graph/scope.ts';

const tmp = mkdtempSync(join(tmpdir(), 'wgft-save-'));

async function sameWeights(a: Model, b: Model) {
  expect(b.weights.map((v) => v.name)).toEqual(a.weights.map((v) => v.name));
  for (let i = 0; i < a.weights.length; i++) {
    const [x, y] = [await a.weights[i].data(), await b.weights[i].data()];
    expect(Buffer.from(y.buffer, y.byteOffset, y.byteLength).equals(Buffer.from(x.buffer, x.byteOffset, x.byteLength))).toBe(true);
  }
}

function functionalModel(): Model {
  const x = Input([5], 'in_a');
  const h = new Dense({ units: 7, activation: 'relu', name: 'hidden' }).apply(x);
  const h2 = new Dense({ units: 3, name: 'logits', trainable: false }).apply(h);
  const y = new Activation({ activation: 'softmax', name: 'probs' }).apply(h2);
  return new Model({ inputs: x, outputs: y, name: 'fm' });
}

describe('save to Keras H5', () => {
  beforeAll(testDevice);
  it('functional model: round trip bit-exact, same outputs, trainable flags kept', async () => {
    const m = functionalModel();
    for (const v of m.weights) v.assign(Float32Array.from(randomArray(v.size, 7)));
    const bytes = await saveKerasH5(m);
    const r = await loadKerasModel(bytesSource(bytes, 'saved.h5'));
    await sameWeights(m, r.model);
    expect(r.model.layers.map((l) => [l.name, l.className, l.trainable])).toEqual(m.layers.map((l) => [l.name, l.className, l.trainable]));
    const x = randomArray(2 * 5, 3);
    const [a, b] = await Promise.all([m, r.model].map((mm) => tidy(() => mm.call([upload(x, [2, 5])], { training: false }).data())));
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(modelConfig(r.model)).toEqual(modelConfig(m));
  });
  it('Sequential and a nested model', async () => {
    const inner = functionalModel();
    const seq = new Sequential([inner, new Dense({ units: 2, name: 'head' })], { name: 'outer' });
    for (const v of seq.weights) v.assign(Float32Array.from(randomArray(v.size, 11)));
    const r = await loadKerasModel(bytesSource(await saveKerasH5(seq), 'seq.h5'));
    await sameWeights(seq, r.model);
    const x = randomArray(3 * 5, 5);
    const [a, b] = await Promise.all([seq, r.model].map((mm) => tidy(() => mm.call([upload(x, [3, 5])], { training: false }).data())));
    expect(Array.from(b)).toEqual(Array.from(a));
  });
  it('a Keras-written Sequential whose first layer is a Model (no batch_input_shape on it)', async () => {
    const inner = functionalModel();
    const cfg = modelConfig(new Sequential([inner, new Dense({ units: 2, name: 'head2' })], { name: 'outer2' }));
    const layers = cfg.config.layers as { config: Record<string, unknown> }[];
    delete layers[0].config.batch_input_shape;
    const { modelFromConfig } = await import('../../src/loaders/keras/model-config.ts');
    const m = modelFromConfig(cfg as never);
    expect(m.inputShape).toEqual([5]);
    expect(m.layers.map((l) => l.className)).toEqual(['Model', 'Dense']);
    expect(m.getLayer('fm').trainable).toBe(true);
    expect((m.getLayer('fm') as Model).getLayer('logits').trainable).toBe(false);
  });
  it.skipIf(!pythonH5 || !hasFixtures)('h5py sees the groups, attributes and dtypes a Keras-written file has', async () => {
    const m = functionalModel();
    const p = join(tmp, 'fm.h5');
    writeFileSync(p, await saveKerasH5(m));
    const describeFile = `import h5py,sys,json
f=h5py.File(sys.argv[1],'r')
def kind(a):
    d=f.attrs if a is None else a
    return {k: (str(d.get_id(k).dtype.kind), d.get_id(k).shape) for k in d}
out={'root':kind(None),'mw':kind(f['model_weights'].attrs)}
g=f['model_weights']
out['layers']={n:[kind(g[n].attrs)] for n in g.attrs['layer_names'].astype(str)}
ds={}
g.visititems(lambda k,o: ds.__setitem__(k,(str(o.dtype),list(o.shape))) if isinstance(o,h5py.Dataset) else None)
out['datasets']=ds
out['config']=json.loads(f.attrs['model_config'])['class_name']
print(json.dumps(out))`;
    const ours = JSON.parse(py(describeFile, p));
    const keras = JSON.parse(py(describeFile, join(FIX, 'keras/dl4j/tfkeras/mlp_1.h5')));
    // Root: the same attributes (training_config aside, which we do not write) and kinds.
    for (const k of ['model_config', 'keras_version', 'backend']) expect(ours.root[k]).toEqual(keras.root[k]);
    expect(ours.mw).toEqual(keras.mw);
    expect(ours.layers.hidden).toEqual(keras.layers.dense_1);
    expect(ours.layers.probs).toEqual(keras.layers.activation_1);
    expect(ours.datasets['hidden/hidden/kernel:0']).toEqual(['float32', [5, 7]]);
    expect(keras.datasets['dense_1/dense_1/kernel:0'][0]).toBe('float32');
    expect(ours.config).toBe('Model');
    // Values as h5py reads them equal ours bit for bit.
    const k = await m.getLayer('hidden').weights[0].data();
    const vals = JSON.parse(py(`import h5py,sys,json,numpy as np
f=h5py.File(sys.argv[1],'r'); print(json.dumps(f['model_weights/hidden/hidden/kernel:0'][()].astype(np.float64).ravel().tolist()))`, p));
    expect(vals).toEqual(Array.from(k));
    // And our Node loader reads the file from disk.
    const back = await loadModelFile(p);
    await sameWeights(m, back.model);
  });
});
