import { describe, it, expect, beforeAll } from 'vitest';
import { existsSync, mkdtempSync, copyFileSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { execSync } from 'node:child_process';
import { bytesSource, type ByteSource } from '../../src/loaders/byte-source.ts';
import {
  readTfCheckpoint, mapCheckpointToModel, writeBundle, writeTable, readTable, parseCheckpointState,
  slimVggToKeras, kerasToSlimVgg, slimInceptionV3ToKeras, kerasToSlimInceptionV3, SLIM_INCEPTION_V3_SCOPES,
} from '../../src/loaders/tf-checkpoint/index.ts';
import { encodeTensorNameSlice, decodeTensorNameSlice } from '../../src/loaders/tf-checkpoint/ordered-code.ts';
import { bfloat16ToFloat } from '../../src/loaders/tf-checkpoint/dtypes.ts';
import { halfToFloat } from '../../src/loaders/half-float.ts';
import { readTfCheckpointFile, resolveTfCheckpoint } from '../../src/node/tf-checkpoint-files.ts';
import { fileSource } from '../../src/node/files.ts';
import { inspectCheckpoint } from '../../src/cli/inspect-checkpoint.ts';
import { testDevice, upload } from '../helpers/gpu.ts';
import { randomArray } from '../helpers/random.ts';
import { expectClose } from '../helpers/compare.ts';
import { Dense } from '../../src/graph/layers/dense.ts';
import { Sequential } from '../../src/graph/model.ts';
import { tidy } from '../../src/graph/scope.ts';

const FIX = resolve('../shared/fixtures/tf_checkpoints');
const have = existsSync(FIX);
const val = (ck: { tensors: Map<string, { data: Float32Array }> }, n: string) => ck.tensors.get(n)?.data[0];

/** In-memory files with a sibling opener, as the browser side would give. */
function memFiles(files: Record<string, Uint8Array>) {
  const open = async (name: string): Promise<ByteSource> => {
    if (!files[name]) throw new Error(`${name}: no such file`);
    return bytesSource(files[name], name);
  };
  return open;
}

describe.skipIf(!have)('TF checkpoint fixtures (../shared/fixtures/tf_checkpoints)', () => {
  const all = have ? execSync(`find ${FIX} -name '*.index' -o -type f -name 'export*'`).toString().trim().split('\n') : [];
  it('every checkpoint reads', async () => {
    expect(all.length).toBeGreaterThan(15);
    for (const f of all) {
      const ck = await readTfCheckpointFile(f);
      expect(ck.entries.length, f).toBeGreaterThan(0);
    }
  });
  it('half_plus_two: a=0.5, b=2, c=3 where present; V1 and V2; snappy and not', async () => {
    let v1 = 0, v2 = 0;
    for (const f of all.filter((f) => /half_plus_two/.test(f))) {
      const ck = await readTfCheckpointFile(f);
      const a = val(ck, 'a') ?? val(ck, 'a/.ATTRIBUTES/VARIABLE_VALUE') ?? val(ck, 'Variable');
      const b = val(ck, 'b') ?? val(ck, 'b/.ATTRIBUTES/VARIABLE_VALUE') ?? val(ck, 'Variable_1');
      const c = val(ck, 'c') ?? val(ck, 'c/.ATTRIBUTES/VARIABLE_VALUE');
      expect(a, f).toBe(0.5);
      expect(b, f).toBe(2);
      if (c !== undefined) expect(c, f).toBe(3);
      if (ck.format === 'v1') v1++;
      else v2++;
    }
    expect(v1).toBeGreaterThanOrEqual(2);
    expect(v2).toBeGreaterThanOrEqual(8);
    // Some fixture indexes have snappy-compressed blocks, others none: both kinds were read above.
    let snappy = 0, plain = 0;
    for (const f of all.filter((f) => f.endsWith('.index'))) {
      const stats = { blocks: 0, snappyBlocks: 0 };
      const src = fileSource(f);
      await readTable(src, stats);
      src.close();
      if (stats.snappyBlocks) snappy++;
      else plain++;
    }
    expect(snappy).toBeGreaterThan(0);
    expect(plain).toBeGreaterThan(0);
  });
  it('half_plus_three holds b = 3', async () => {
    const ck = await readTfCheckpointFile(join(FIX, 'tfserving/servables/saved_model_half_plus_three/00000123'));
    expect(val(ck, 'a')).toBe(0.5);
    expect(val(ck, 'b')).toBe(3);
  });
  it('bad_half_plus_two: its state file points to a path that does not exist; the export itself reads', async () => {
    const dir = join(FIX, 'tfserving/servables/bad_half_plus_two/00000123');
    expect(() => resolveTfCheckpoint(dir)).toThrow(/\/tmp\/bad_half_plus_two\/00000123\/export.*does not exist/);
    const ck = await readTfCheckpointFile(join(dir, 'export'));
    expect(val(ck, 'Variable')).toBe(0.5);
    expect(val(ck, 'Variable_1')).toBe(2);
  });
  it('a missing path names itself', () => {
    expect(() => resolveTfCheckpoint(join(FIX, 'nope/model.ckpt'))).toThrow(/nope\/model\.ckpt.*no such checkpoint/);
  });
  it('TF2 object graph gives readable names', async () => {
    const ck = await readTfCheckpointFile(join(FIX, 'alibi_savedmodel_tf2.2.0/iris-ae-tf2.2.0'));
    expect(ck.objectGraph!.get('trainable_variables/2/.ATTRIBUTES/VARIABLE_VALUE')!.fullName).toBe('dense_1/kernel');
  });
  it('wgft inspect JSON lists name, dtype, shape, size and total_values', async () => {
    const l = await inspectCheckpoint(join(FIX, 'alibi_savedmodel_tf2.2.0/iris-enc-tf2.2.0/variables'));
    expect(l.tensors.find((t) => t.name === 'layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE')).toEqual({
      name: 'layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE', dtype: 'float32', shape: [4, 5], size: 20,
    });
    expect(l.total_values).toBe(l.tensors.reduce((s, t) => s + t.size, 0));
  });

  describe('corrupt copies', () => {
    let tmp = '';
    beforeAll(() => {
      tmp = mkdtempSync(join(tmpdir(), 'tfck-'));
      const src = join(FIX, 'alibi_savedmodel_tf2.2.0/iris-ffn-tf2.2.0');
      for (const f of ['variables.index', 'variables.data-00000-of-00001']) copyFileSync(src + '/' + f, join(tmp, f));
      return () => rmSync(tmp, { recursive: true, force: true });
    });
    it('a flipped byte in the data shard is caught by crc32c, naming the tensor', async () => {
      const d = join(tmp, 'variables.data-00000-of-00001');
      const bytes = readFileSync(d);
      bytes[170] ^= 0x40; // inside layer_with_weights-0/bias (offset 160, 40 bytes)
      writeFileSync(d, bytes);
      await expect(readTfCheckpointFile(join(tmp, 'variables'))).rejects.toThrow(/layer_with_weights-0\/bias\/\.ATTRIBUTES\/VARIABLE_VALUE fails its crc32c/);
    });
    it('a missing shard, a truncated index and a wrong magic each give a clear error', async () => {
      rmSync(join(tmp, 'variables.data-00000-of-00001'));
      await expect(readTfCheckpointFile(join(tmp, 'variables'))).rejects.toThrow(/data shard variables\.data-00000-of-00001 is missing/);
      const idx = readFileSync(join(tmp, 'variables.index'));
      writeFileSync(join(tmp, 'trunc.index'), idx.subarray(0, idx.length - 10));
      await expect(readTfCheckpointFile(join(tmp, 'trunc'))).rejects.toThrow(/trunc\.index: wrong magic|truncated/);
      writeFileSync(join(tmp, 'short.index'), idx.subarray(0, 20));
      await expect(readTfCheckpointFile(join(tmp, 'short'))).rejects.toThrow(/short\.index: 20 bytes is too short/);
      const bad = Uint8Array.from(idx);
      bad[bad.length - 1] ^= 0xff;
      writeFileSync(join(tmp, 'magic.index'), bad);
      await expect(readTfCheckpointFile(join(tmp, 'magic'))).rejects.toThrow(/magic\.index: wrong magic number/);
    });
  });
});

function refDenseStack(x: Float64Array, layers: { w: Float32Array; b: Float32Array; i: number; o: number; act: string }[], B: number): Float64Array {
  let cur = x;
  for (const l of layers) {
    const y = new Float64Array(B * l.o);
    for (let n = 0; n < B; n++) {
      for (let o = 0; o < l.o; o++) {
        let s = l.b[o];
        for (let k = 0; k < l.i; k++) s += cur[n * l.i + k] * l.w[k * l.o + o];
        y[n * l.o + o] = l.act === 'relu' ? Math.max(0, s) : s;
      }
      if (l.act === 'softmax') {
        const row = y.subarray(n * l.o, (n + 1) * l.o);
        const m = Math.max(...row);
        let z = 0;
        for (let o = 0; o < l.o; o++) z += (row[o] = Math.exp(row[o] - m));
        for (let o = 0; o < l.o; o++) row[o] /= z;
      }
    }
    cur = y;
  }
  return cur;
}

// Architectures of ../shared/fixtures/keras/alibi/*.h5 (model_config), built in code.
const ALIBI: Record<string, { input: number; layers: [number, string][] }> = {
  'adult-ffn': { input: 57, layers: [[60, 'relu'], [60, 'relu'], [2, 'softmax']] },
  'iris-ffn': { input: 4, layers: [[10, 'relu'], [3, 'softmax']] },
  'iris-enc': { input: 4, layers: [[5, 'relu'], [2, 'linear']] },
  'iris-ae': { input: 4, layers: [[5, 'relu'], [2, 'linear'], [5, 'relu'], [4, 'linear']] },
  'mnist-logistic': { input: 784, layers: [[10, 'softmax']] }, // Reshape(784) in Keras: a view
};

describe.skipIf(!have)('TF2 alibi checkpoints map onto Dense models built in code', () => {
  beforeAll(testDevice);
  for (const [id, arch] of Object.entries(ALIBI))
    it(id, async () => {
      const ck = await readTfCheckpointFile(join(FIX, `alibi_savedmodel_tf2.2.0/${id}-tf2.2.0`));
      // Layer names as in the matching keras/alibi H5 (dense, dense_1, ...).
      const layers = arch.layers.map(([units, activation], i) => new Dense({ name: i ? `dense_${i}` : 'dense', units, activation }));
      const model = new Sequential(layers, { inputShape: [arch.input] });
      const rep = mapCheckpointToModel(model, ck);
      expect(rep.missing).toEqual([]);
      expect(rep.unused).toEqual([]);
      expect(rep.loaded.length).toBe(2 * layers.length);
      // Every variable lands on the H5 layer of the same name; the object graph's own variable names agree.
      for (const [key, weight] of rep.mapping) {
        const full = ck.objectGraph?.get(key)?.fullName;
        if (full) expect(`${full}:0`, key).toBe(weight);
      }
      expect([...rep.mapping.values()].sort()).toEqual(layers.flatMap((l) => [`${l.name}/kernel:0`, `${l.name}/bias:0`]).sort());
      expect(rep.ignored.every((n) => /optimizer|OPTIMIZER_SLOT|metrics|OBJECT_GRAPH/.test(n))).toBe(true);
      const weights = await Promise.all(layers.map(async (l) => ({ w: await l.kernel.data(), b: await l.bias!.data(), i: l.kernel.shape[0], o: l.units, act: l.activation })));
      // The weights are the checkpoint's, in order of the layers with weights (or trainable_variables).
      const firstKernel = [...ck.tensors.values()].find((t) => /^(layer_with_weights-0\/kernel|trainable_variables\/0)\//.test(t.name))!;
      expectClose(weights[0].w, firstKernel.data, 0, `${id} kernel 0`);
      const B = 3;
      const x = randomArray(B * arch.input, 7);
      const y = await tidy(() => model.call([upload(x, [B, arch.input])], { training: false })).data();
      expectClose(y, refDenseStack(Float64Array.from(x), weights, B), 1e-5, `${id} outputs`);
    });
});

describe('bundles built in code', () => {
  it('writes and reads a V2 bundle, snappy and not, many blocks', async () => {
    for (const snappy of [false, true]) {
      const tensors = Array.from({ length: 40 }, (_, i) => ({ name: `scope/var_${String(i).padStart(3, '0')}`, shape: [2, 3], data: Float32Array.from(randomArray(6, i)) }));
      const { index, data } = writeBundle(tensors, { snappy, perBlock: 7 });
      const ck = await readTfCheckpoint(bytesSource(index, 'model.index'), memFiles({ 'model.data-00000-of-00001': data }));
      expect(ck.tensors.size).toBe(40);
      for (const t of tensors) expect(Array.from(ck.tensors.get(t.name)!.data)).toEqual(Array.from(t.data));
    }
  });
  it('table blocks with a bad crc are refused', async () => {
    const t = writeTable([{ key: new TextEncoder().encode('k'), value: Uint8Array.of(1, 2, 3) }]);
    t[2] ^= 1;
    await expect(readTable(bytesSource(t, 'x.index'))).rejects.toThrow(/x\.index: data block at 0 fails its crc32c/);
  });
  it('a declared size the shard cannot hold is refused before allocating', async () => {
    const { index, data } = writeBundle([{ name: 'w', shape: [4], data: Float32Array.of(1, 2, 3, 4) }]);
    await expect(readTfCheckpoint(bytesSource(index, 'm.index'), memFiles({ 'm.data-00000-of-00001': data.subarray(0, 8) }))).rejects.toThrow(/tensor w declares 16 bytes at offset 0, beyond the end/);
  });
  it('OrderedCode slice keys round-trip', () => {
    for (const ext of [[], [null], [{ start: 0, length: 5 }, null], [{ start: 100, length: 70000 }, { start: 3, length: 1 << 40 }]]) {
      const k = encodeTensorNameSlice('a/b\u0000c\u00ff', ext);
      expect(decodeTensorNameSlice(k, 'k')).toEqual({ name: 'a/b\u0000c\u00ff', extents: ext });
    }
    // The V1 key of a scalar Variable as TF writes it.
    expect(Array.from(encodeTensorNameSlice('Variable', []))).toEqual([0, ...new TextEncoder().encode('Variable'), 0, 1, 0]);
  });
  it('float16 and bfloat16 decode', () => {
    expect(halfToFloat(0x3c00)).toBe(1);
    expect(halfToFloat(0xc000)).toBe(-2);
    expect(halfToFloat(0x0001)).toBe(2 ** -24);
    expect(bfloat16ToFloat(0x3f80)).toBe(1);
    expect(bfloat16ToFloat(0xc040)).toBe(-3);
  });
  it('checkpoint state files', () => {
    const s = parseCheckpointState('model_checkpoint_path: "model.ckpt-200"\nall_model_checkpoint_paths: "model.ckpt-100"\nall_model_checkpoint_paths: "model.ckpt-200"\n');
    expect(s.modelCheckpointPath).toBe('model.ckpt-200');
    expect(s.allModelCheckpointPaths).toEqual(['model.ckpt-100', 'model.ckpt-200']);
    expect(() => parseCheckpointState('garbage', 'dir/checkpoint')).toThrow(/dir\/checkpoint: no model_checkpoint_path/);
  });
});

// VGG16 weight names in Keras 2.2.4 order.
const VGG16_KERAS = [
  ...[[1, 2], [2, 2], [3, 3], [4, 3], [5, 3]].flatMap(([b, n]) => Array.from({ length: n }, (_, i) => [`block${b}_conv${i + 1}/kernel:0`, `block${b}_conv${i + 1}/bias:0`]).flat()),
  'fc1/kernel:0', 'fc1/bias:0', 'fc2/kernel:0', 'fc2/bias:0', 'predictions/kernel:0', 'predictions/bias:0',
];

describe('TF-slim name maps', () => {
  it('VGG16: slim <-> Keras both ways, for every weight', () => {
    expect(VGG16_KERAS.length).toBe(32);
    const slim = VGG16_KERAS.map((k) => kerasToSlimVgg(k)!);
    expect(slim).toContain('vgg_16/conv3/conv3_3/weights');
    expect(slim).toContain('vgg_16/fc8/biases');
    expect(slim.map((s) => slimVggToKeras(s))).toEqual(VGG16_KERAS);
    expect(new Set(slim).size).toBe(32);
  });
  it('InceptionV3: 94 conv+BN units, both ways', () => {
    expect(SLIM_INCEPTION_V3_SCOPES.length).toBe(94);
    expect(new Set(SLIM_INCEPTION_V3_SCOPES).size).toBe(94);
    expect(slimInceptionV3ToKeras('InceptionV3/Conv2d_1a_3x3/weights')).toBe('conv2d_1/kernel:0');
    expect(slimInceptionV3ToKeras('InceptionV3/Mixed_5c/Branch_1/Conv_1_0c_5x5/BatchNorm/moving_variance')).toBe('batch_normalization_15/moving_variance:0');
    expect(slimInceptionV3ToKeras('InceptionV3/Mixed_7c/Branch_3/Conv2d_0b_1x1/BatchNorm/beta')).toBe('batch_normalization_94/beta:0');
    for (let n = 1; n <= 94; n++) {
      for (const k of [`conv2d_${n}/kernel:0`, `batch_normalization_${n}/beta:0`, `batch_normalization_${n}/moving_mean:0`]) expect(slimInceptionV3ToKeras(kerasToSlimInceptionV3(k)!)).toBe(k);
    }
  });

  describe('a slim VGG-style bundle built in code loads into a Dense head, fc8 excluded', () => {
    beforeAll(testDevice);
    it('fc6/fc7 conv kernels reshape onto Dense kernels; exclude vgg_16/fc8; report all at once', async () => {
      // Tiny stand-in for VGG16's top: fc6 [2,2,3,5] (a 2x2x3 feature map), fc7 [1,1,5,4], fc8 [1,1,4,6].
      const t = (name: string, shape: number[], seed: number) => ({ name, shape, data: Float32Array.from(randomArray(shape.reduce((a, b) => a * b, 1), seed)) });
      const tensors = [
        t('vgg_16/fc6/weights', [2, 2, 3, 5], 1), t('vgg_16/fc6/biases', [5], 2),
        t('vgg_16/fc7/weights', [1, 1, 5, 4], 3), t('vgg_16/fc7/biases', [4], 4),
        t('vgg_16/fc8/weights', [1, 1, 4, 6], 5), t('vgg_16/fc8/biases', [6], 6),
        t('global_step', [], 7), t('vgg_16/fc7/weights/Momentum', [1, 1, 5, 4], 8),
      ];
      const { index, data } = writeBundle(tensors, { snappy: true, perBlock: 3 });
      const ck = await readTfCheckpoint(bytesSource(index, 'vgg_16.index'), memFiles({ 'vgg_16.data-00000-of-00001': data }));
      const mk = () => new Sequential([new Dense({ name: 'fc1', units: 5, activation: 'relu' }), new Dense({ name: 'fc2', units: 4, activation: 'relu' }), new Dense({ name: 'predictions', units: 3, activation: 'softmax' })], { inputShape: [12] });
      const model = mk();
      const rep = mapCheckpointToModel(model, ck, { exclude: ['vgg_16/fc8'], allowMissing: true });
      expect(rep.loaded).toEqual(['fc1/kernel:0', 'fc1/bias:0', 'fc2/kernel:0', 'fc2/bias:0']);
      expect(rep.missing).toEqual(['predictions/kernel:0', 'predictions/bias:0']);
      expect(rep.excluded.sort()).toEqual(['vgg_16/fc8/biases', 'vgg_16/fc8/weights']);
      expect(rep.ignored.sort()).toEqual(['global_step', 'vgg_16/fc7/weights/Momentum']);
      expect(Array.from(await (model.layers[0] as Dense).kernel.data())).toEqual(Array.from(tensors[0].data));
      // Without the exclusion the 6-class fc8 does not fit the 3-class head; everything is reported at once.
      expect(() => mapCheckpointToModel(mk(), ck)).toThrow(/predictions\/kernel:0: file \[1,1,4,6\] vs model \[4,3\].*predictions\/bias:0: file \[6\] vs model \[3\]/);
      // User rules: map fc8 onto a layer of another name.
      const m2 = new Sequential([new Dense({ name: 'fc1', units: 5 }), new Dense({ name: 'fc2', units: 4 }), new Dense({ name: 'logits', units: 6 })], { inputShape: [12] });
      const r2 = mapCheckpointToModel(m2, ck, { rules: [[/^vgg_16\/fc8\/weights$/, 'logits/kernel'], ['vgg_16/fc8/biases', 'logits/bias']] });
      expect(r2.missing).toEqual([]);
      expect(r2.mapping.get('vgg_16/fc8/weights')).toBe('logits/kernel:0');
      expect(Array.from(await (m2.layers[2] as Dense).kernel.data())).toEqual(Array.from(tensors[4].data));
    });
  });
});

describe.skipIf(!have)('wgft inspect dispatch', () => {
  it('detects checkpoints and passes the state-file error through', async () => {
    const { detectKind, inspectAny } = await import('../../src/cli/inspect.ts');
    const v2 = join(FIX, 'tfserving/servables/saved_model_half_plus_three/00000123/variables/variables');
    expect(detectKind(v2)).toBe('tf-checkpoint');
    expect(detectKind(join(FIX, 'tfserving/session_bundle/half_plus_two/00000123/export-00000-of-00001'))).toBe('tf-checkpoint');
    const json = JSON.parse(await inspectAny(v2, true));
    expect(json).toEqual({
      tensors: ['a', 'b', 'c'].map((name) => ({ name, dtype: 'float32', shape: [], size: 1 })),
      total_values: 3,
    });
    await expect(inspectAny(join(FIX, 'tfserving/servables/bad_half_plus_two/00000123'), false)).rejects.toThrow(/points to \/tmp\/bad_half_plus_two\/00000123\/export, which does not exist/);
  });
});
