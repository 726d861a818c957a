// Add + ReLU fusion (src/graph/fusion.ts, addActivation in src/graph/ops/arith.ts): an Add whose
// only consumer is a plain ReLU / ReLU6 runs as one add kernel with the activation in it, in
// inference and in training; outputs and gradients equal the unfused layers, with fewer dispatches.
import { describe, it, beforeAll, expect } from 'vitest';
import { testDevice, upload } from '../helpers/gpu.ts';
import { randomArray } from '../helpers/random.ts';
import { expectClose } from '../helpers/compare.ts';
import { numericGrad } from '../helpers/gradcheck.ts';
import { Conv2D } from '../../src/graph/layers/conv2d.ts';
import { BatchNormalization } from '../../src/graph/layers/batch-normalization.ts';
import { ReLU } from '../../src/graph/layers/relu.ts';
import { Activation } from '../../src/graph/layers/activation.ts';
import { Add } from '../../src/graph/layers/add.ts';
import { Dense } from '../../src/graph/layers/dense.ts';
import { GlobalAveragePooling2D } from '../../src/graph/layers/global-pooling.ts';
import { Input, Model, nodeKey } from '../../src/graph/model.ts';
import type { SymbolicTensor } from '../../src/graph/symbolic.ts';
import { fusionPlan } from '../../src/graph/fusion.ts';
import { addActivation, mul } from '../../src/graph/ops/arith.ts';
import { backward } from '../../src/graph/tape.ts';
import { tidy } from '../../src/graph/scope.ts';
import { sum } from '../../src/graph/ops/reduce.ts';
import { Variable } from '../../src/graph/tensor.ts';
import type { Device } from '../../src/gpu/device.ts';

const [H, W, C] = [7, 5, 3];

/** Two residual blocks (odd channels) ending in Add -> relu / ReLU6, a 3-input Add, and two that must stay unfused. */
function build(): Model {
  const inp = Input([H, W, C]);
  const convBn = (x: SymbolicTensor, filters: number, k: number) => new BatchNormalization().apply(new Conv2D({ filters, kernelSize: k, padding: 'same' }).apply(x));
  let x = new ReLU().apply(convBn(inp, 5, 3));
  // Block 1: conv-BN branch + projection shortcut, Add -> Activation('relu').
  let y = new Activation({ activation: 'relu' }).apply(new Add().apply([convBn(new ReLU().apply(convBn(x, 5, 1)), 5, 3), convBn(x, 5, 1)]));
  // Block 2: identity shortcut, Add -> ReLU(max_value=6).
  x = new ReLU({ maxValue: 6 }).apply(new Add().apply([convBn(y, 5, 3), y]));
  // Three inputs -> relu.
  x = new ReLU().apply(new Add().apply([convBn(x, 5, 1), x, convBn(x, 5, 3)]));
  // Not fused: a leaky ReLU, and an Add with two consumers.
  y = new ReLU({ negativeSlope: 0.1 }).apply(new Add().apply([convBn(x, 5, 1), x]));
  const shared = new Add().apply([convBn(y, 5, 1), y]);
  x = new Add().apply([new ReLU().apply(shared), shared]);
  const out = new Dense({ units: 4, activation: 'softmax' }).apply(new GlobalAveragePooling2D().apply(x));
  const model = new Model({ inputs: inp, outputs: out });
  let seed = 300;
  for (const w of model.weights) {
    const n = w.size;
    w.assign(w.name.includes('variance') ? randomArray(n, seed++, 0.2, 3) : w.name.includes('gamma') ? randomArray(n, seed++, 0.5, 2) : randomArray(n, seed++));
  }
  return model;
}

describe('Add -> ReLU fusion', () => {
  let device: Device;
  beforeAll(async () => {
    device = await testDevice();
  });
  const x = randomArray(2 * H * W * C, 11, -2, 2);
  const run = async (model: Model, fusion: boolean, training: boolean) => {
    model.fusion = fusion;
    const before = device.dispatches;
    const y = await tidy(() => model.call([upload(x, [2, H, W, C])], { training })).data();
    return { y, dispatches: device.dispatches - before };
  };

  it('plans Add -> relu / relu6 chains only where the Add has one plain ReLU consumer', () => {
    const model = build();
    const want = model.outputs.map((o) => nodeKey(o.layer, o.callIndex));
    const plan = fusionPlan(model.graphNodes, want, model.inputs.map((i) => nodeKey(i.layer, i.callIndex)));
    const adds = [...plan.chains.values()].filter((c) => c.kind === 'add');
    expect(adds.map((c) => c.activation)).toEqual(['relu', 'relu6', 'relu']);
    const addLayers = model.layers.filter((l) => l.className === 'Add');
    expect(addLayers.map((l) => plan.inner.has(nodeKey(l, 0)))).toEqual([true, true, true, false, false, false]);
    // Asking for the Add itself keeps it a layer of its own.
    const plan2 = fusionPlan(model.graphNodes, [...want, nodeKey(addLayers[0], 0)], []);
    expect([...plan2.chains.values()].filter((c) => c.kind === 'add').length).toBe(2);
    model.dispose();
  });

  it('inference: fused equals unfused within 1e-5, with fewer dispatches', async () => {
    const model = build();
    model.trainable = false;
    const off = await run(model, false, false);
    const on = await run(model, true, false);
    expectClose(on.y, off.y, 1e-5, 'fused vs unfused');
    expect(off.dispatches - on.dispatches).toBeGreaterThan(3);
    model.dispose();
  });

  it('counts: each fused Add -> ReLU saves exactly one dispatch', async () => {
    // Without convs: in -> Add(in, in2) -> ReLU -> Add(., in) -> ReLU6.
    const a = Input([H, W, C]);
    const b = Input([H, W, C]);
    const y = new ReLU({ maxValue: 6 }).apply(new Add().apply([new ReLU().apply(new Add().apply([a, b])), a]));
    const model = new Model({ inputs: [a, b], outputs: y });
    const xb = randomArray(x.length, 12, -4, 4);
    const go = async (fusion: boolean) => {
      model.fusion = fusion;
      const before = device.dispatches;
      const out = await tidy(() => model.call([upload(x, [2, H, W, C]), upload(xb, [2, H, W, C])], { training: false })).data();
      return { out, n: device.dispatches - before };
    };
    const off = await go(false);
    const on = await go(true);
    expect(off.n - on.n).toBe(2);
    const ref = x.map((v, i) => Math.min(6, Math.max(0, Math.max(0, v + xb[i]) + v)));
    expectClose(on.out, ref, 1e-6, 'relu6(relu(a + b) + a)');
    expectClose(off.out, ref, 1e-6, 'unfused');
  });

  it('training with trainable BN: same output and weight gradients fused and unfused', async () => {
    const model = build();
    const saved = await Promise.all(model.weights.map((w) => w.data()));
    const grads = async (fusion: boolean) => {
      model.weights.forEach((w, i) => w.assign(saved[i]));
      model.fusion = fusion;
      const y = await tidy(() => {
        const p = model.call([upload(x, [2, H, W, C])], { training: true });
        const out = p.data();
        backward(sum(mul(p, upload(randomArray(8, 13), [2, 4]))));
        return out;
      });
      const g = await Promise.all(model.trainableWeights.map((w) => (w as Variable).grad!.data()));
      model.trainableWeights.forEach((w) => w.zeroGrad());
      return { y, g };
    };
    const off = await grads(false);
    const on = await grads(true);
    expectClose(on.y, off.y, 1e-5, 'training forward');
    expect(on.g.length).toBe(off.g.length);
    on.g.forEach((g, i) => expectClose(g, off.g[i], 1e-5, `gradient of ${model.trainableWeights[i].name}`));
    model.dispose();
  });

  for (const act of ['relu', 'relu6'] as const)
    it(`addActivation(${act}) with broadcasting: forward and backward against finite differences`, async () => {
      // [2,3,5] + [5] + [2,3,5]; values up to +-12 so relu6 clamps both ends.
      const shapes = [[2, 3, 5], [5], [2, 3, 5]];
      const data = shapes.map((s, i) => randomArray(s.reduce((p, d) => p * d, 1), 40 + i, -4, 4));
      const dy = randomArray(30, 50);
      const f = (xs: Float64Array[]) => {
        const out = new Float64Array(30);
        for (let i = 0; i < 30; i++) {
          const s = xs[0][i] + xs[1][i % 5] + xs[2][i];
          out[i] = act === 'relu' ? Math.max(0, s) : Math.min(6, Math.max(0, s));
        }
        return out;
      };
      const vars = data.map((d, i) => Variable.create(Float32Array.from(d), shapes[i], `x${i}`));
      const y = await tidy(() => {
        const out = addActivation(vars, act);
        const yd = out.data();
        backward(sum(mul(out, upload(dy, [2, 3, 5]))));
        return yd;
      });
      expectClose(y, f(data), 1e-6, 'forward');
      for (let k = 0; k < 3; k++) {
        const num = numericGrad((v) => f(data.map((d, i) => (i === k ? v : d))), data[k], dy);
        expectClose(await vars[k].grad!.data(), num, 1e-4, `d x${k}`);
        expect(vars[k].grad!.shape).toEqual(shapes[k]);
      }
      vars.forEach((v) => v.dispose());
    });
});
