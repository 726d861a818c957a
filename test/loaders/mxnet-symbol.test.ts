// MXNet symbol graphs: the fixtures build, load their parameters and match a float64 NCHW CPU
// evaluation of the same graph; errors for missing parameters and unsupported ops.
import { describe, it, expect, beforeAll } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { testDevice, upload } from '../helpers/gpu.ts';
import { expectClose } from '../helpers/compare.ts';
import { randomArray } from '../helpers/random.ts';
import { runSymbolRef, nchwToNhwc } from '../helpers/mxnet-ref.ts';
import { bytesSource } from '../../src/loaders/byte-source.ts';
import { readMxnetParams } from '../../src/loaders/mxnet/params.ts';
import { parseSymbol, buildSymbolModel, loadSymbolParams, type MxSymbol } from '../../src/loaders/mxnet/symbol.ts';
import { noGrad, backward } from '../../src/graph/tape.ts';
import { tidy } from '../../src/graph/scope.ts';
import { sum } from '../../src/graph/ops/reduce.ts';
import { mul } from '../../src/graph/ops/arith.ts';
import { numericGrad } from '../helpers/gradcheck.ts';
import { oihwToHwio, fcToDense } from '../../src/loaders/mxnet/names.ts';

const DIR = '../shared/fixtures/mxnet';
const have = existsSync(DIR);
if (!have) console.warn(`skipping MXNet symbol fixture tests: ${DIR} is absent`);

const CASES: { name: string; symbol: string; params: string; input: number[]; batch: number }[] = [
  { name: 'pydmobilenet ResNet-29', symbol: 'pydmobilenet/cifar10_resnet29-symbol.json', params: 'pydmobilenet/cifar10_resnet29-0000.params', input: [3, 9, 9], batch: 2 },
  { name: 'insightface gender_age', symbol: 'insightface/gender_age/model-symbol.json', params: 'insightface/gender_age/model-0000.params', input: [3, 17, 17], batch: 2 },
  { name: 'insightface MTCNN P-Net', symbol: 'insightface/mtcnn/det1-symbol.json', params: 'insightface/mtcnn/det1-0001.params', input: [3, 15, 15], batch: 1 },
  { name: 'jonggon Module CNN', symbol: 'jonggon/module_cnn_bn/Neural_Net-symbol.json', params: 'jonggon/module_cnn_bn/Neural_Net-0100.params', input: [1, 28, 28], batch: 2 },
  { name: 'sagemaker gluon MLP', symbol: 'sagemaker/gluon_hosting/model.json', params: 'sagemaker/gluon_hosting/model.params', input: [784], batch: 3 },
  { name: 'sagemaker FC', symbol: 'sagemaker/default_handlers/model-symbol.json', params: 'sagemaker/default_handlers/model-0000.params', input: [2], batch: 2 },
];

const readParams = async (p: string) => readMxnetParams(bytesSource(new Uint8Array(readFileSync(`${DIR}/${p}`)), p));
const readSym = (p: string) => parseSymbol(readFileSync(`${DIR}/${p}`, 'utf8'), p);

describe.skipIf(!have)('MXNet symbol graphs', () => {
  beforeAll(testDevice);
  for (const c of CASES) {
    it(`${c.name} builds, loads and matches the float64 reference`, async () => {
      const sym = readSym(c.symbol);
      const file = await readParams(c.params);
      const sm = buildSymbolModel(sym, { inputShape: c.input, file: c.symbol });
      const report = loadSymbolParams(sm, file.map, {}, c.params);
      expect(report.missing).toEqual([]);
      expect(report.unused).toEqual([]);
      const shape = [c.batch, ...c.input];
      const x = randomArray(shape.reduce((a, b) => a * b, 1), 7, c.name.includes('gender') ? 0 : -1, c.name.includes('gender') ? 255 : 1);
      const params = new Map([...file.map.values()].map((t) => [t.name.replace(/^(arg|aux):/, ''), t.data]));
      const refs = runSymbolRef(sym, params, { shape, data: x });
      const xNhwc = nchwToNhwc({ shape, data: x });
      const inShape = shape.length === 4 ? [shape[0], shape[2], shape[3], shape[1]] : shape;
      const outs = noGrad(() => sm.model.run([upload(xNhwc, inShape)], { training: false }));
      expect(outs.length).toBe(refs.length);
      for (let k = 0; k < refs.length; k++) {
        expect(sm.outputShapes[k]).toEqual(refs[k].shape.slice(1));
        expectClose(await outs[k].data(), nchwToNhwc(refs[k]), 1e-4, `${c.name} output ${k}`);
      }
      sm.model.dispose();
    });
  }

  it('names parameters the symbol needs and the file lacks, in one error', async () => {
    const sym = readSym('sagemaker/default_handlers/model-symbol.json');
    const file = await readParams('sagemaker/default_handlers/model-0000.params');
    const sm = buildSymbolModel(sym, { inputShape: [2] });
    const partial = new Map([...file.map].filter(([k]) => !k.endsWith('weight')));
    expect(() => loadSymbolParams(sm, partial, {}, 'model-0000.params')).toThrow(/model-0000\.params: the symbol's parameters fc1_weight are missing from the file/);
  });
});

describe('MXNet symbol errors', () => {
  it('reports every unsupported op at once', () => {
    const sym: MxSymbol = {
      nodes: [
        { op: 'null', name: 'data', attrs: {}, inputs: [] },
        { op: 'Crop', name: 'crop0', attrs: {}, inputs: [[0, 0, 0]] },
        { op: 'Deconvolution', name: 'deconv0', attrs: {}, inputs: [[1, 0, 0]] },
        { op: 'ROIPooling', name: 'roi0', attrs: {}, inputs: [[2, 0, 0]] },
      ],
      heads: [[3, 0, 0]],
    };
    expect(() => buildSymbolModel(sym, { inputShape: [3, 8, 8], file: 'x-symbol.json' })).toThrow(/x-symbol\.json: unsupported MXNet ops: Crop \(crop0\); Deconvolution \(deconv0\); ROIPooling \(roi0\)/);
  });
  it('refuses a file that is not a symbol', () => {
    expect(() => parseSymbol('{"a": 1}', 'bad.json')).toThrow(/bad\.json: not an MXNet symbol file/);
    expect(() => parseSymbol('nope', 'bad.json')).toThrow(/bad\.json: not a JSON symbol file/);
  });
});

describe('MXNet symbol ops on a synthetic graph', () => {
  beforeAll(testDevice);
  it('Concat, padded max/avg pooling (valid, full, count_include_pad), leaky/elu, scalar ops, grouped depthwise, strided padded conv, NCHW flatten + FC, softmax', async () => {
    // A graph in MXNet's JSON form, with random parameters; checked against the float64 reference.
    const nodes: MxSymbol['nodes'] = [];
    const add = (op: string, name: string, attrs: Record<string, string>, inputs: number[]) => {
      nodes.push({ op, name, attrs, inputs: inputs.map((i) => [i, 0, 0]) });
      return nodes.length - 1;
    };
    const P = (name: string) => add('null', name, {}, []);
    const data = P('data');
    const s1 = add('_rminus_scalar', 'rminus0', { scalar: '0.5' }, [data]);
    const s2 = add('_div_scalar', 'div0', { scalar: '2' }, [s1]);
    const c1 = add('Convolution', 'conv0', { kernel: '(3, 3)', num_filter: '6', stride: '(2, 2)', pad: '(1, 1)' }, [s2, P('conv0_weight'), P('conv0_bias')]);
    const l1 = add('LeakyReLU', 'leaky0', { act_type: 'leaky', slope: '0.1' }, [c1]);
    const dw = add('Convolution', 'dw0', { kernel: '(3, 3)', num_filter: '12', num_group: '6', pad: '(2, 2)', dilate: '(2, 2)', no_bias: 'True' }, [l1, P('dw0_weight')]);
    const e1 = add('LeakyReLU', 'elu0', { act_type: 'elu', slope: '0.7' }, [dw]);
    const c2 = add('Convolution', 'conv1', { kernel: '(1, 1)', num_filter: '4' }, [l1, P('conv1_weight'), P('conv1_bias')]);
    const cat = add('Concat', 'concat0', { dim: '1', num_args: '2' }, [e1, c2]);
    const bn = add('BatchNorm', 'bn0', { fix_gamma: 'False', eps: '1e-5' }, [cat, P('bn0_gamma'), P('bn0_beta'), P('bn0_moving_mean'), P('bn0_moving_var')]);
    const pool = add('Pooling', 'pool0', { kernel: '(3, 3)', stride: '(2, 2)', pad: '(1, 1)', pool_type: 'avg' }, [bn]);
    const pl = add('_plus_scalar', 'plus0', { scalar: '0.25' }, [pool]);
    const m1 = add('Pooling', 'pool1', { kernel: '(3, 3)', stride: '(2, 2)', pad: '(1, 1)', pool_type: 'max', pooling_convention: 'full' }, [bn]);
    const m2 = add('Pooling', 'pool2', { kernel: '(3, 3)', stride: '(2, 2)', pad: '(1, 1)', pool_type: 'avg', pooling_convention: 'full', count_include_pad: 'False' }, [m1]);
    const sum = add('elemwise_add', 'sum0', {}, [pl, m2]);
    const dr = add('Dropout', 'drop0', { p: '0.3' }, [sum]);
    const fc = add('FullyConnected', 'fc0', { num_hidden: '5' }, [dr, P('fc0_weight'), P('fc0_bias')]);
    const sm = add('SoftmaxOutput', 'softmax', {}, [fc, P('softmax_label')]);
    nodes.find((n) => n.name === 'fc0_weight')!.attrs.__lr_mult__ = '10';
    const sym: MxSymbol = { nodes, heads: [[sm, 0, 0]] };
    const shapes: Record<string, number[]> = {
      conv0_weight: [6, 3, 3, 3], conv0_bias: [6], dw0_weight: [12, 1, 3, 3], conv1_weight: [4, 6, 1, 1], conv1_bias: [4],
      bn0_gamma: [16], bn0_beta: [16], bn0_moving_mean: [16], bn0_moving_var: [16], fc0_weight: [5, 16 * 3 * 3], fc0_bias: [5],
    };
    const params = new Map<string, Float32Array>();
    let seed = 11;
    for (const [k, s] of Object.entries(shapes)) {
      const n = s.reduce((a, b) => a * b, 1);
      params.set(k, Float32Array.from(randomArray(n, seed++, k.endsWith('var') ? 0.5 : -0.8, k.endsWith('var') ? 1.5 : 0.8)));
    }
    const tensors = new Map([...params].map(([k, d]) => [`${k.includes('moving') ? 'aux' : 'arg'}:${k}`, { name: `${k.includes('moving') ? 'aux' : 'arg'}:${k}`, shape: shapes[k], dtype: 'float32', data: d }]));
    const model = buildSymbolModel(sym, { inputShape: [3, 11, 11], file: 'synthetic-symbol.json' });
    const rep = loadSymbolParams(model, tensors);
    expect(rep.unused).toEqual([]);
    expect([...model.lrMult]).toEqual([['fc0/kernel', 10]]);
    const shape = [2, 3, 11, 11];
    const x = randomArray(2 * 3 * 11 * 11, 5);
    const [ref] = runSymbolRef(sym, params, { shape, data: x });
    const [out] = noGrad(() => model.model.run([upload(nchwToNhwc({ shape, data: x }), [2, 11, 11, 3])], { training: false }));
    expect(model.outputShapes[0]).toEqual([5]);
    expectClose(await out.data(), ref.data, 1e-4, 'synthetic graph');
    model.model.dispose();
  });
  it('refuses grouped convolution and unsupported geometry by name, all at once', () => {
    const sym: MxSymbol = {
      nodes: [
        { op: 'null', name: 'data', attrs: {}, inputs: [] },
        { op: 'null', name: 'g_weight', attrs: {}, inputs: [] },
        { op: 'Convolution', name: 'g', attrs: { kernel: '(3,3)', num_filter: '4', num_group: '2', no_bias: 'True' }, inputs: [[0, 0, 0], [1, 0, 0]] },
        { op: 'Pooling', name: 'p', attrs: { kernel: '(3,3)', stride: '(2,2)', pad: '(1,1)', pool_type: 'lp' }, inputs: [[0, 0, 0]] },
      ],
      heads: [[2, 0, 0], [3, 0, 0]],
    };
    expect(() => buildSymbolModel(sym, { inputShape: [4, 8, 8], file: 'g.json' })).toThrow(/g\.json: cannot build the graph: g: grouped convolution \(num_group 2 of 4 channels\) is not supported; p: pool_type lp is not supported/);
  });
});

describe('MXNet-only layers backward', () => {
  beforeAll(testDevice);
  it('MxnetPooling (max pad full, avg pad), MxnetScalar and MxnetFlatten pass gradients as finite differences say', async () => {
    const nodes: MxSymbol['nodes'] = [];
    const add = (op: string, name: string, attrs: Record<string, string>, inputs: number[]) => {
      nodes.push({ op, name, attrs, inputs: inputs.map((i) => [i, 0, 0]) });
      return nodes.length - 1;
    };
    const data = add('null', 'data', {}, []);
    const c = add('Convolution', 'c', { kernel: '(1, 1)', num_filter: '3', no_bias: 'True' }, [data, add('null', 'c_weight', {}, [])]);
    const p1 = add('Pooling', 'p1', { kernel: '(3, 3)', stride: '(2, 2)', pad: '(1, 1)', pool_type: 'max', pooling_convention: 'full' }, [c]);
    const s = add('_mul_scalar', 's', { scalar: '1.5' }, [p1]);
    const p2 = add('Pooling', 'p2', { kernel: '(2, 2)', stride: '(1, 1)', pad: '(1, 1)', pool_type: 'avg' }, [s]);
    const fc = add('FullyConnected', 'fc', { num_hidden: '2', no_bias: 'True' }, [p2, add('null', 'fc_weight', {}, [])]);
    const sym: MxSymbol = { nodes, heads: [[fc, 0, 0]] };
    const cw = randomArray(3 * 2, 31);
    const sm = buildSymbolModel(sym, { inputShape: [2, 6, 6] });
    const fin = sm.model.getLayer('fc').weights[0].shape[0];
    const fw = randomArray(2 * fin, 32);
    const params = () => new Map<string, Float64Array>([['c_weight', cw], ['fc_weight', fw]]);
    loadSymbolParams(sm, new Map([
      ['c_weight', { name: 'c_weight', shape: [3, 2, 1, 1], dtype: 'float32', data: Float32Array.from(cw) }],
      ['fc_weight', { name: 'fc_weight', shape: [2, fin], dtype: 'float32', data: Float32Array.from(fw) }],
    ]));
    const shape = [2, 2, 6, 6];
    const x = randomArray(2 * 2 * 36, 33);
    const dy = randomArray(2 * 2, 34);
    const ref = (p: Map<string, Float64Array>) => runSymbolRef(sym, p, { shape, data: x })[0].data;
    const yData = await tidy(() => {
      const y = sm.model.call([upload(nchwToNhwc({ shape, data: x }), [2, 6, 6, 2])], { training: true });
      backward(sum(mul(y, upload(dy, [2, 2]))));
      return y.data();
    });
    expectClose(yData, ref(params()), 1e-5, 'forward');
    const gc = numericGrad((w) => ref(new Map([['c_weight', w], ['fc_weight', fw]])), cw, dy);
    const gf = numericGrad((w) => ref(new Map([['c_weight', cw], ['fc_weight', w]])), fw, dy);
    const hwio = oihwToHwio(Float32Array.from(gc), [3, 2, 1, 1]);
    const inOut = fcToDense(Float32Array.from(gf), [2, fin]);
    expectClose(await sm.model.getLayer('c').weights[0].grad!.data(), hwio, 1e-4, 'conv dW');
    expectClose(await sm.model.getLayer('fc').weights[0].grad!.data(), inOut, 1e-4, 'fc dW');
    sm.model.dispose();
  });
});
