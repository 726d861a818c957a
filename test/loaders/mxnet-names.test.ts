// MXNet names (structural, legacy prefixes, arg:/aux:) and layouts onto models built in code.
import { describe, it, expect, beforeAll } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { testDevice } from '../helpers/gpu.ts';
import { bytesSource } from '../../src/loaders/byte-source.ts';
import { readMxnetParams } from '../../src/loaders/mxnet/params.ts';
import { parseMxName, loadMxnetWeights, flattenSource, oihwToHwio, hwioToOihw, depthwiseToKeras } from '../../src/loaders/mxnet/names.ts';
import { Input, Model, Sequential } from '../../src/graph/model.ts';
import { LAYER_CLASSES } from '../../src/graph/layers/registry.ts';
import type { KerasConfig, Layer } from '../../src/graph/layer.ts';

const DIR = '../shared/fixtures/mxnet';
const have = existsSync(DIR);
const L = (cls: string, c: KerasConfig): Layer => LAYER_CLASSES[cls](c);
const read = async (p: string) => (await readMxnetParams(bytesSource(new Uint8Array(readFileSync(`${DIR}/${p}`)), p))).map;

describe('MXNet names', () => {
  it('parses structural, legacy and Module names', () => {
    expect(parseMxName('features.1.weight')).toEqual({ kind: null, full: 'features.1.weight', prefix: 'features.1', param: 'weight' });
    expect(parseMxName('arg:resnetv20_conv0_weight')).toMatchObject({ kind: 'arg', prefix: 'resnetv20_conv0', param: 'weight' });
    expect(parseMxName('batchnorm0_running_mean')).toMatchObject({ prefix: 'batchnorm0', param: 'running_mean' });
    expect(parseMxName('aux:conv_1_batchnorm_moving_var')).toMatchObject({ kind: 'aux', prefix: 'conv_1_batchnorm', param: 'running_var' });
    expect(parseMxName('4.net.0.0.gamma')).toMatchObject({ prefix: '4.net.0.0', param: 'gamma' });
    expect(parseMxName('arg:cifar10_resne29/stg0/blk0/body/conv0_weight')).toMatchObject({ prefix: 'cifar10_resne29/stg0/blk0/body/conv0', param: 'weight' });
  });
  it('converts OIHW to HWIO and back, and depthwise kernels', () => {
    const w = Float32Array.from({ length: 2 * 3 * 2 * 2 }, (_, i) => i);
    const k = oihwToHwio(w, [2, 3, 2, 2]);
    expect(k[((1 * 2 + 0) * 3 + 2) * 2 + 1]).toBe(w[((1 * 3 + 2) * 2 + 1) * 2 + 0]);
    expect(hwioToOihw(k, [2, 2, 3, 2])).toEqual(w);
    const d = Float32Array.from({ length: 6 * 1 * 2 * 2 }, (_, i) => i); // C=3, M=2
    const dk = depthwiseToKeras(d, [6, 1, 2, 2], 3);
    expect(dk[((1 * 2 + 1) * 3 + 2) * 2 + 1]).toBe(d[((2 * 2 + 1) * 2 + 1) * 2 + 1]);
  });
});

describe.skipIf(!have)('MXNet files into models built in code', () => {
  beforeAll(testDevice);
  it('legacy prefixed names (MNIST-50 CNN): OIHW -> HWIO, NCHW flatten order for the Dense', async () => {
    const file = await read('jonggon/gluon_cnn_bn/MNIST-50.params');
    const bn = (name: string) => L('BatchNormalization', { name, axis: -1, epsilon: 1e-5, momentum: 0.9 });
    const dense0 = L('Dense', { name: 'dense0', units: 120 });
    const model = new Sequential([
      L('Conv2D', { name: 'conv0', filters: 60, kernel_size: [3, 3] }), bn('batchnorm0'), L('MaxPooling2D', { name: 'pool0', pool_size: [2, 2] }),
      L('Conv2D', { name: 'conv1', filters: 30, kernel_size: [6, 6] }), bn('batchnorm1'), L('MaxPooling2D', { name: 'pool1', pool_size: [2, 2] }),
      L('Flatten', { name: 'flatten0' }), dense0, bn('batchnorm2'), L('Dense', { name: 'dense1', units: 64 }), bn('batchnorm3'), L('Dense', { name: 'dense2', units: 10 }),
    ], { inputShape: [28, 28, 1], name: 'mnist50' });
    flattenSource.set(dense0, [30, 4, 4]);
    const r = loadMxnetWeights(model, file, {}, 'MNIST-50.params');
    expect(r.missing).toEqual([]);
    expect(r.unused).toEqual([]);
    expect(r.loaded.length).toBe(26);
    const c0 = file.get('conv0_weight')!.data;
    const k0 = await model.getLayer('conv0').weights[0].data();
    expect(k0[((2 * 3 + 1) * 1 + 0) * 60 + 7]).toBe(c0[((7 * 1 + 0) * 3 + 2) * 3 + 1]);
    const fw = file.get('dense0_weight')!.data;
    const dk = await dense0.weights[0].data();
    // NHWC flatten index (h=1, w=3, c=5) holds MXNet's column c*16 + h*4 + w.
    expect(dk[((1 * 4 + 3) * 30 + 5) * 120 + 11]).toBe(fw[11 * 480 + 5 * 16 + 1 * 4 + 3]);
    const mv = await model.getLayer('batchnorm1').weights[3].data();
    expect(Array.from(mv)).toEqual(Array.from(file.get('batchnorm1_running_var')!.data));
    model.dispose();
  });
  it('structural names (Packt MLP, d2l v3 MLP) with the usual report', async () => {
    const x = Input([30]);
    let y = L('Dense', { name: '0', units: 128 }).apply(x);
    y = L('BatchNormalization', { name: '1', axis: -1 }).apply(y);
    y = L('Dense', { name: '4', units: 1024 }).apply(y);
    y = L('BatchNormalization', { name: '5', axis: -1 }).apply(y);
    y = L('Dense', { name: '8', units: 128 }).apply(y);
    y = L('BatchNormalization', { name: '9', axis: -1 }).apply(y);
    y = L('Dense', { name: '12', units: 1 }).apply(y);
    const m = new Model({ inputs: x, outputs: y, name: 'packt' });
    const r = loadMxnetWeights(m, await read('packt_cookbook/net.params'));
    expect(r.loaded.length).toBe(20);
    m.dispose();
    const x2 = Input([20]);
    const h = L('Dense', { name: 'hidden', units: 256, activation: 'relu' }).apply(x2);
    const m2 = new Model({ inputs: x2, outputs: L('Dense', { name: 'output', units: 7 }).apply(h), name: 'mlp' });
    const mlp = new Map([...(await read('d2l_np_v3/mlp.params'))].filter(([k]) => k !== 'hidden.bias'));
    expect(() => loadMxnetWeights(m2, mlp, {}, 'mlp.params')).toThrow(
      /mlp\.params: cannot load into model mlp: shapes differ: output\/kernel:0: file \[256,10\] vs model \[256,7\]; output\/bias:0: file \[10\] vs model \[7\]\. missing from the file: hidden\/bias:0/,
    );
    m2.dispose();
  });
});
