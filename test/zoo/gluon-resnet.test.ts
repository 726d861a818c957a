// Gluon model-zoo ResNets: structure and names, parameter counts derived from the architecture,
// a save (v2 .params, structural names) / load round trip, legacy prefixed names.
import { describe, it, expect, beforeAll } from 'vitest';
import { testDevice } from '../helpers/gpu.ts';
import { gluonResnet } from '../../src/zoo/gluon-resnet.ts';
import { gluonParamTensors, isRunningStat, loadGluonParams } from '../../src/loaders/mxnet/names.ts';
import { writeMxnetParams, readMxnetParams } from '../../src/loaders/mxnet/params.ts';
import { bytesSource } from '../../src/loaders/byte-source.ts';
import { setSeed } from '../../src/graph/initializers.ts';

/** Learnable and running-statistic counts of Gluon's ResNet, from its definition. */
function expectedCounts(depth: number, version: number, classes: number): [number, number] {
  const spec = { 18: [false, [2, 2, 2, 2], [64, 64, 128, 256, 512]], 34: [false, [3, 4, 6, 3], [64, 64, 128, 256, 512]], 50: [true, [3, 4, 6, 3], [64, 256, 512, 1024, 2048]] }[depth] as [boolean, number[], number[]];
  const [bottleneck, layers, ch] = spec;
  let learn = 0;
  let stats = 0;
  const conv = (i: number, o: number, k: number, bias = false) => (learn += i * o * k * k + (bias ? o : 0));
  const bn = (c: number, affine = true) => {
    learn += affine ? 2 * c : 0;
    stats += 2 * c;
  };
  if (version === 2) bn(3, false);
  conv(3, ch[0], 7);
  bn(ch[0]);
  let inC = ch[0];
  layers.forEach((n, s) => {
    const out = ch[s + 1];
    for (let b = 0; b < n; b++) {
      const cin = b === 0 ? inC : out;
      const mid = bottleneck ? out / 4 : out;
      if (version === 1) {
        if (bottleneck) {
          conv(cin, mid, 1, true), bn(mid), conv(mid, mid, 3), bn(mid), conv(mid, out, 1, true), bn(out);
        } else conv(cin, out, 3), bn(out), conv(out, out, 3), bn(out);
        if (b === 0 && cin !== out) conv(cin, out, 1), bn(out);
      } else {
        bn(cin);
        if (bottleneck) conv(cin, mid, 1), bn(mid), conv(mid, mid, 3), bn(mid), conv(mid, out, 1);
        else conv(cin, out, 3), bn(out), conv(out, out, 3);
        if (b === 0 && cin !== out) conv(cin, out, 1);
      }
    }
    inC = out;
  });
  if (version === 2) bn(inC);
  learn += inC * classes + classes;
  return [learn, stats];
}

describe('Gluon ResNets', () => {
  beforeAll(testDevice);
  for (const id of ['resnet18_v1', 'resnet34_v1', 'resnet50_v1', 'resnet18_v2', 'resnet34_v2', 'resnet50_v2']) {
    it(`${id}: names, shapes and parameter counts`, () => {
      const [, d, v] = /resnet(\d+)_v(\d)/.exec(id)!.map(Number);
      const g = gluonResnet(id, { classes: 7, inputShape: [32, 32, 3] });
      const w = g.model.weights;
      const stats = w.filter((x) => /moving_(mean|variance)/.test(x.name)).reduce((s, x) => s + x.size, 0);
      const learn = w.reduce((s, x) => s + x.size, 0) - stats;
      expect([learn, stats]).toEqual(expectedCounts(d, v, 7));
      expect(g.model.trainableWeights.reduce((s, x) => s + x.size, 0)).toBe(learn);
      expect(g.model.outputShape).toEqual([7]);
      const names = w.map((x) => x.name);
      expect(names).toContain('output/kernel:0');
      if (v === 1) {
        expect(names).toContain('features.0/kernel:0');
        expect(names).toContain('features.4.0.body.0/kernel:0');
        expect(names).toContain('features.5.0.downsample.0/kernel:0');
        expect(g.legacyPrefix.get('features.5.0.downsample.0')).toBe(d === 50 ? 'resnetv10_stage2_conv3' : 'resnetv10_stage2_conv2');
      } else {
        expect(names).toContain('features.0/moving_mean:0');
        expect(names).toContain('features.5.0.bn1/gamma:0');
        expect(names).toContain('features.6.0.downsample/kernel:0');
        expect(g.legacyPrefix.get('features.1')).toBe('resnetv20_conv0');
        expect(g.legacyPrefix.get('features.9')).toBe('resnetv20_batchnorm2');
      }
      expect(g.legacyPrefix.get('output')).toBe(`resnetv${v}0_dense0`);
      g.model.dispose();
    });
  }

  it('saves a v2 .params with structural names that loads back bit-exactly, also by legacy names', async () => {
    setSeed(3);
    const a = gluonResnet('resnet18_v2', { classes: 3, inputShape: [32, 32, 3] });
    const tensors = await gluonParamTensors(a.model);
    expect(tensors.map((t) => t.name)).toContain('features.5.0.conv1.weight');
    const conv = tensors.find((t) => t.name === 'features.1.weight')!;
    expect(conv.shape).toEqual([64, 3, 7, 7]);
    expect(tensors.find((t) => t.name === 'output.weight')!.shape).toEqual([3, 512]);
    expect(tensors.filter((t) => isRunningStat(t.name)).length).toBe(2 * 19) // 19 BatchNorms: stem 2, 8 blocks x 2, final 1;
    const bytes = writeMxnetParams(tensors);
    const file = await readMxnetParams(bytesSource(bytes, 'mine.params'));
    setSeed(4);
    const b = gluonResnet('resnet18_v2', { classes: 3, inputShape: [32, 32, 3] });
    const report = loadGluonParams(b, file.map, {}, 'mine.params');
    expect(report.missing).toEqual([]);
    expect(report.unused).toEqual([]);
    for (let i = 0; i < a.model.weights.length; i++) {
      const [x, y] = [await a.model.weights[i].data(), await b.model.weights[i].data()];
      const [xb, yb] = [new Uint32Array(x.buffer), new Uint32Array(y.buffer)];
      let diff = 0;
      for (let j = 0; j < xb.length; j++) if (xb[j] !== yb[j]) diff++;
      expect(diff, a.model.weights[i].name).toBe(0);
    }
    // The same tensors under model-zoo (legacy prefixed) names.
    const legacy = writeMxnetParams(tensors.map((t) => {
      const layer = t.name.slice(0, t.name.lastIndexOf('.'));
      return { ...t, name: `${a.legacyPrefix.get(layer)}_${t.name.slice(layer.length + 1)}` };
    }));
    const lf = await readMxnetParams(bytesSource(legacy, 'resnet18_v2-legacy.params'));
    expect(lf.tensors[0].name).toBe('resnetv20_batchnorm0_running_mean');
    const c = gluonResnet('resnet18_v2', { classes: 3, inputShape: [32, 32, 3] });
    const r2 = loadGluonParams(c, lf.map);
    expect(r2.missing).toEqual([]);
    expect(Array.from(await c.model.weights[5].data())).toEqual(Array.from(await a.model.weights[5].data()));
    // A mis-shaped head is reported, not loaded.
    const d = gluonResnet('resnet18_v2', { classes: 5, inputShape: [32, 32, 3] });
    expect(() => loadGluonParams(d, file.map, {}, 'mine.params')).toThrow(/mine\.params: cannot load into model resnet18_v2: shapes differ: output\/kernel:0: file \[512,3\] vs model \[512,5\]/);
    for (const m of [a, b, c, d]) m.model.dispose();
  });
});

import { runSymbolRef, nchwToNhwc } from '../helpers/mxnet-ref.ts';
import type { MxSymbol } from '../../src/loaders/mxnet/symbol.ts';
import { upload } from '../helpers/gpu.ts';
import { expectClose } from '../helpers/compare.ts';
import { randomArray } from '../helpers/random.ts';
import { noGrad } from '../../src/graph/tape.ts';

/** The symbol Gluon's hybrid_forward traces for a ResNet (structural parameter names), from resnet.py. */
function gluonSymbol(depth: number, version: number, classes: number): MxSymbol {
  const nodes: MxSymbol['nodes'] = [];
  const node = (op: string, name: string, attrs: Record<string, string>, inputs: number[]) => {
    nodes.push({ op, name, attrs, inputs: inputs.map((i) => [i, 0, 0]) });
    return nodes.length - 1;
  };
  const P = (name: string) => node('null', name, {}, []);
  const conv = (x: number, p: string, o: number, k: number, s: number, pad: number, bias = false) =>
    node('Convolution', p, { kernel: `(${k}, ${k})`, stride: `(${s}, ${s})`, pad: `(${pad}, ${pad})`, num_filter: String(o), no_bias: bias ? 'False' : 'True' }, bias ? [x, P(`${p}.weight`), P(`${p}.bias`)] : [x, P(`${p}.weight`)]);
  const bn = (x: number, p: string, affine = true) => node('BatchNorm', p, { eps: '1e-05', fix_gamma: 'False' }, [x, affine ? P(`${p}.gamma`) : P(`${p}.gamma_ones`), affine ? P(`${p}.beta`) : P(`${p}.beta_zeros`), P(`${p}.running_mean`), P(`${p}.running_var`)]);
  const relu = (x: number) => node('Activation', `relu${nodes.length}`, { act_type: 'relu' }, [x]);
  const plus = (a: number, b: number) => node('elemwise_add', `add${nodes.length}`, {}, [a, b]);
  const spec = { 18: [false, [2, 2, 2, 2], [64, 64, 128, 256, 512]], 50: [true, [3, 4, 6, 3], [64, 256, 512, 1024, 2048]] }[depth] as [boolean, number[], number[]];
  const [bottleneck, layers, ch] = spec;
  let x = P('data');
  let f = 0;
  if (version === 2) x = bn(x, `features.${f++}`, false);
  x = conv(x, `features.${f++}`, ch[0], 7, 2, 3);
  x = relu(bn(x, `features.${f++}`));
  f++;
  x = node('Pooling', `features.${f++}`, { kernel: '(3, 3)', stride: '(2, 2)', pad: '(1, 1)', pool_type: 'max' }, [x]);
  let inC = ch[0];
  layers.forEach((n, s) => {
    const out = ch[s + 1];
    for (let b = 0; b < n; b++) {
      const p = `features.${f}.${b}`;
      const stride = b === 0 && s > 0 ? 2 : 1;
      const ds = b === 0 && out !== inC;
      const mid = bottleneck ? out / 4 : out;
      if (version === 1) {
        let y: number;
        if (bottleneck) {
          y = relu(bn(conv(x, `${p}.body.0`, mid, 1, stride, 0, true), `${p}.body.1`));
          y = relu(bn(conv(y, `${p}.body.3`, mid, 3, 1, 1), `${p}.body.4`));
          y = bn(conv(y, `${p}.body.6`, out, 1, 1, 0, true), `${p}.body.7`);
        } else {
          y = relu(bn(conv(x, `${p}.body.0`, out, 3, stride, 1), `${p}.body.1`));
          y = bn(conv(y, `${p}.body.3`, out, 3, 1, 1), `${p}.body.4`);
        }
        const r = ds ? bn(conv(x, `${p}.downsample.0`, out, 1, stride, 0), `${p}.downsample.1`) : x;
        x = relu(plus(r, y));
      } else {
        const pre = relu(bn(x, `${p}.bn1`));
        const r = ds ? conv(pre, `${p}.downsample`, out, 1, stride, 0) : x;
        let y: number;
        if (bottleneck) {
          y = relu(bn(conv(pre, `${p}.conv1`, mid, 1, 1, 0), `${p}.bn2`));
          y = relu(bn(conv(y, `${p}.conv2`, mid, 3, stride, 1), `${p}.bn3`));
          y = conv(y, `${p}.conv3`, out, 1, 1, 0);
        } else {
          y = relu(bn(conv(pre, `${p}.conv1`, out, 3, stride, 1), `${p}.bn2`));
          y = conv(y, `${p}.conv2`, out, 3, 1, 1);
        }
        x = plus(y, r);
      }
      inC = out;
    }
    f++;
  });
  if (version === 2) {
    x = relu(bn(x, `features.${f++}`));
    f++;
  }
  x = node('Pooling', `features.${f++}`, { kernel: '(1, 1)', global_pool: 'True', pool_type: 'avg' }, [x]);
  x = node('FullyConnected', 'output', { num_hidden: String(classes) }, [x, P('output.weight'), P('output.bias')]);
  return { nodes, heads: [[x, 0, 0]] };
}

describe('Gluon ResNet forward = Gluon semantics (float64 reference of the traced symbol)', () => {
  beforeAll(testDevice);
  for (const [id, depth, version] of [['resnet18_v1', 18, 1], ['resnet50_v2', 50, 2]] as const) {
    it(`${id}`, async () => {
      setSeed(9);
      const g = gluonResnet(id, { classes: 6, inputShape: [35, 35, 3] });
      // Non-trivial running statistics so that BatchNorm is exercised.
      let seed = 100;
      for (const v of g.model.weights) {
        if (/moving_mean/.test(v.name)) v.assign(Float32Array.from(randomArray(v.size, seed++, -0.2, 0.2)));
        if (/moving_variance|gamma/.test(v.name)) v.assign(Float32Array.from(randomArray(v.size, seed++, 0.6, 1.4)));
      }
      const params = new Map<string, Float32Array>();
      for (const t of await gluonParamTensors(g.model)) params.set(t.name, t.data);
      params.set('features.0.gamma_ones', new Float32Array(3).fill(1));
      params.set('features.0.beta_zeros', new Float32Array(3));
      const sym = gluonSymbol(depth, version, 6);
      const shape = [2, 3, 35, 35];
      const x = randomArray(2 * 3 * 35 * 35, 21);
      const [ref] = runSymbolRef(sym, params, { shape, data: x });
      const y = noGrad(() => g.model.call([upload(nchwToNhwc({ shape, data: x }), [2, 35, 35, 3])], { training: false }));
      expectClose(await y.data(), ref.data, 1e-4, id);
      g.model.dispose();
    });
  }
});
