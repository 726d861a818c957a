// `wgft inspect` / `wgft run` on MXNet files (the functions behind the commands).
import { describe, it, expect, beforeAll } from 'vitest';
import { existsSync, readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testDevice } from '../helpers/gpu.ts';
import { inspectMxnet } from '../../src/cli/inspect-mxnet.ts';
import { runMxnetSymbol } from '../../src/cli/inspect-mxnet.ts';
import { detectKind } from '../../src/cli/inspect.ts';
import { parseNpy, writeNpy } from '../../src/loaders/npy.ts';
import { findGluonWeights, paramsBesideSymbol, gluonResnetFromCache } from '../../src/node/mxnet.ts';
import { gluonResnet } from '../../src/zoo/gluon-resnet.ts';
import { gluonParamTensors } from '../../src/loaders/mxnet/names.ts';
import { writeMxnetParams } from '../../src/loaders/mxnet/params.ts';

const DIR = '../shared/fixtures/mxnet';
const have = existsSync(DIR);

describe.skipIf(!have)('MXNet files in the CLI', () => {
  beforeAll(testDevice);
  it('inspect lists a .params file as CONTRACTS says', async () => {
    const man = JSON.parse(readFileSync(`${DIR}/fedavg_lenet/LeNet.params.manifest.json`, 'utf8'));
    expect(detectKind(`${DIR}/fedavg_lenet/LeNet.params`)).toBe('mxnet-params');
    const j = JSON.parse(await inspectMxnet(`${DIR}/fedavg_lenet/LeNet.params`, true));
    expect(j.total_values).toBe(man.total_params);
    expect(j.tensors.map((t: { name: string }) => t.name)).toEqual(man.names);
    expect(j.tensors[0]).toEqual({ name: '0.weight', dtype: 'float32', shape: [6, 1, 5, 5], size: 150 });
  });
  it('inspect builds a symbol with the parameters beside it', async () => {
    const sym = `${DIR}/jonggon/module_cnn_bn/Neural_Net-symbol.json`;
    expect(paramsBesideSymbol(sym)).toBe(`${DIR}/jonggon/module_cnn_bn/Neural_Net-0100.params`);
    expect(detectKind(`${DIR}/sagemaker/gluon_hosting/model.json`)).toBe('mxnet-params');
    const j = JSON.parse(await inspectMxnet(sym, true));
    const man = JSON.parse(readFileSync(`${DIR}/jonggon/module_cnn_bn/Neural_Net-0100.params.manifest.json`, 'utf8'));
    expect(j.total_params).toBe(man.total_params);
    expect(j.layers.map((l: { name: string }) => l.name)).toContain('CNN_fc1');
  });
  it('run takes and writes MXNet-layout arrays', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wgft-mx-'));
    writeFileSync(join(dir, 'x.npy'), writeNpy(new Float32Array([1, 2, 3, -1]), [2, 2]));
    await runMxnetSymbol({ model: `${DIR}/sagemaker/default_handlers/model-symbol.json`, input: join(dir, 'x.npy'), output: join(dir, 'y.npy'), batch: 8 });
    const y = parseNpy(new Uint8Array(readFileSync(join(dir, 'y.npy'))), 'y.npy');
    const man = JSON.parse(readFileSync(`${DIR}/sagemaker/default_handlers/model-0000.params.manifest.json`, 'utf8'));
    const [w, b] = man.tensors.map((t: { values: number[] }) => t.values);
    expect(y.shape).toEqual([2, 1]);
    expect(Math.abs(y.data[0] - (w[0] * 1 + w[1] * 2 + b[0]))).toBeLessThan(1e-5);
    expect(Math.abs(y.data[1] - (w[0] * 3 - w[1] + b[0]))).toBeLessThan(1e-5);
  });
  it('finds Gluon zoo files in the MXNet cache without downloading', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mxhome-'));
    writeFileSync(join(dir, 'resnet18_v2-a81db45f.params'), '');
    expect(findGluonWeights('resnet18_v2', dir)).toBe(join(dir, 'resnet18_v2-a81db45f.params'));
    expect(findGluonWeights('resnet18_v1', dir)).toBeNull();
  });
  it('loads a Gluon ResNet with the weights of the MXNet cache', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mxhome-'));
    const a = gluonResnet('resnet18_v1', { classes: 4, inputShape: [32, 32, 3] });
    writeFileSync(join(dir, 'resnet18_v1-0123abcd.params'), writeMxnetParams(await gluonParamTensors(a.model)));
    const { gluon, weightsPath, report } = await gluonResnetFromCache('resnet18_v1', { classes: 4, inputShape: [32, 32, 3] }, dir);
    expect(weightsPath).toBe(join(dir, 'resnet18_v1-0123abcd.params'));
    expect(report!.missing).toEqual([]);
    expect(report!.loaded.length).toBe(a.model.weights.length);
    expect(Array.from(await gluon.model.getLayer('output').weights[0].data())).toEqual(Array.from(await a.model.getLayer('output').weights[0].data()));
    const none = await gluonResnetFromCache('resnet34_v2', { classes: 4, inputShape: [32, 32, 3] }, dir);
    expect(none.weightsPath).toBeNull();
    for (const m of [a.model, gluon.model, none.gluon.model]) m.dispose();
  });
});
