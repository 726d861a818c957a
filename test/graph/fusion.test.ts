// Inference fusion in the graph runner (src/graph/fusion.ts): conv -> BN -> ReLU chains run as one
// conv with the BN folded on the GPU; the output equals the unfused layers within 1e-5 relative,
// follows new BN weights, and nothing changes where gradients or batch statistics are involved.
import { describe, it, beforeAll, expect } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { testDevice, upload } from '../helpers/gpu.ts';
import { randomArray } from '../helpers/random.ts';
import { expectClose } from '../helpers/compare.ts';
import { Conv2D } from '../../src/graph/layers/conv2d.ts';
import { DepthwiseConv2D } from '../../src/graph/layers/depthwise-conv2d.ts';
import { BatchNormalization } from '../../src/graph/layers/batch-normalization.ts';
import { ReLU } from '../../src/graph/layers/relu.ts';
import { Activation } from '../../src/graph/layers/activation.ts';
import { ZeroPadding2D } from '../../src/graph/layers/zero-padding2d.ts';
import { Input, Model, nodeKey } from '../../src/graph/model.ts';
import { fusionPlan } from '../../src/graph/fusion.ts';
import { backward, noGrad } from '../../src/graph/tape.ts';
import { tidy } from '../../src/graph/scope.ts';
import { sum } from '../../src/graph/ops/reduce.ts';
import type { Variable } from '../../src/graph/tensor.ts';

const FIX = '../shared/fixtures';

function build(): { model: Model; bns: BatchNormalization[]; side: Conv2D } {
  const inp = Input([9, 7, 3]);
  const bns = [new BatchNormalization(), new BatchNormalization({ epsilon: 1e-5 }), new BatchNormalization({ scale: false }), new BatchNormalization({ center: false })];
  let x = new Conv2D({ filters: 5, kernelSize: 3, strides: 2, padding: 'same' }).apply(inp);
  x = new ReLU({ maxValue: 6 }).apply(bns[0].apply(x));
  // TF 'same' padding of a stride-2 3x3 on 5x4: rows (1, 1), columns (0, 1): fused into the conv.
  x = new ZeroPadding2D({ padding: [[1, 1], [0, 1]] }).apply(x);
  x = new DepthwiseConv2D({ kernelSize: 3, strides: 2, padding: 'valid', depthMultiplier: 2 }).apply(x);
  x = new Activation({ activation: 'relu' }).apply(bns[1].apply(x));
  x = new Conv2D({ filters: 4, kernelSize: 1, useBias: false }).apply(x);
  x = bns[2].apply(x);
  const side = new Conv2D({ filters: 3, kernelSize: 1 });
  // Not TF 'same' for a 1x1 kernel: stays a layer of its own.
  const y = bns[3].apply(side.apply(new ZeroPadding2D({ padding: 1 }).apply(x)));
  const model = new Model({ inputs: inp, outputs: y });
  let seed = 100;
  for (const w of model.weights) {
    const n = w.size;
    const name = w.name;
    w.assign(name.includes('variance') ? randomArray(n, seed++, 0.2, 3) : name.includes('gamma') ? randomArray(n, seed++, 0.5, 2) : randomArray(n, seed++));
  }
  return { model, bns, side };
}

async function forward(model: Model, x: Float64Array, training: boolean, fusion: boolean): Promise<Float32Array> {
  model.fusion = fusion;
  return tidy(() => model.call([upload(x, [2, 9, 7, 3])], { training })).data();
}

describe('conv -> BN -> ReLU fusion', () => {
  beforeAll(testDevice);
  const x = randomArray(2 * 9 * 7 * 3, 7);

  it('plans the chains and never skips outputs', () => {
    const { model } = build();
    const want = model.outputs.map((o) => nodeKey(o.layer, o.callIndex));
    const plan = fusionPlan(model.graphNodes, want, model.inputs.map((i) => nodeKey(i.layer, i.callIndex)));
    expect(plan.chains.size).toBe(4);
    expect(plan.inner.size).toBe(7); // pad+conv+bn, conv+bn, conv, conv
    const pads = model.layers.filter((l) => l.className === 'ZeroPadding2D').map((l) => plan.inner.has(nodeKey(l, 0)));
    expect(pads).toEqual([true, false]);
    for (const w of want) expect(plan.inner.has(w)).toBe(false);
    // Asking for an intermediate as an output keeps it computed.
    const mid = model.layers.find((l) => l.className === 'DepthwiseConv2D')!;
    const plan2 = fusionPlan(model.graphNodes, [...want, nodeKey(mid, 0)], []);
    expect(plan2.inner.has(nodeKey(mid, 0))).toBe(false);
    const cut = model.cut(mid.name);
    model.trainable = false;
    const a = tidy(() => cut.call([upload(x, [2, 9, 7, 3])], { training: false }));
    expect(a.shape).toEqual([2, 3, 2, 10]);
    a.dispose();
    model.dispose();
  });

  it('frozen: fused output equals the unfused layers, in inference and in training mode', async () => {
    const { model } = build();
    model.trainable = false;
    for (const training of [false, true]) {
      const ref = await forward(model, x, training, false);
      const ours = await forward(model, x, training, true);
      expectClose(ours, ref, 1e-5, `fused vs unfused, training=${training}`);
    }
    model.dispose();
  });

  it('follows new BN statistics and conv weights (Variable.version)', async () => {
    const { model, bns, side } = build();
    model.trainable = false;
    const before = await forward(model, x, false, true);
    const v0 = bns[3].movingMean.version;
    bns[3].movingMean.assign(randomArray(3, 900));
    bns[0].movingVariance.assign(randomArray(5, 901, 0.5, 4));
    side.kernel.assign(randomArray(side.kernel.size, 902));
    expect(bns[3].movingMean.version).toBe(v0 + 1);
    const ours = await forward(model, x, false, true);
    const ref = await forward(model, x, false, false);
    expectClose(ours, ref, 1e-5, 'fused after assign');
    expect(Math.max(...ours.map((v, i) => Math.abs(v - before[i])))).toBeGreaterThan(1e-3);
    model.dispose();
  });

  it('trainable BN in training mode: no fusion, same gradients, moving stats updated and then followed', async () => {
    const { model, bns } = build();
    const saved = await Promise.all(model.weights.map((w) => w.data()));
    const grads = async (fusion: boolean) => {
      model.weights.forEach((w, i) => w.assign(saved[i]));
      model.fusion = fusion;
      tidy(() => backward(sum(model.call([upload(x, [2, 9, 7, 3])], { training: true }))));
      const g = await Promise.all(model.trainableWeights.map((w) => (w as Variable).grad!.data()));
      model.trainableWeights.forEach((w) => w.zeroGrad());
      return g;
    };
    const off = await grads(false);
    const version = bns[0].movingMean.version;
    const on = await grads(true);
    expect(bns[0].movingMean.version).toBeGreaterThan(version);
    expect(on.length).toBe(off.length);
    on.forEach((g, i) => expectClose(g, off[i], 1e-5, `gradient of ${model.trainableWeights[i].name}`));
    // Inference with the updated moving statistics: fused (noGrad) = unfused.
    const ref = await forward(model, x, false, false);
    model.fusion = true;
    const ours = await noGrad(() => tidy(() => model.call([upload(x, [2, 9, 7, 3])], { training: false })).data());
    expectClose(ours, ref, 1e-5, 'fused after training steps');
    model.dispose();
  });

  it('trainable model in inference mode outside noGrad keeps its weight gradients', async () => {
    const { model } = build();
    const grads = async (fusion: boolean) => {
      model.fusion = fusion;
      tidy(() => backward(sum(model.call([upload(x, [2, 9, 7, 3])], { training: false }))));
      const g = await Promise.all(model.trainableWeights.map((w) => (w as Variable).grad!.data()));
      model.trainableWeights.forEach((w) => w.zeroGrad());
      return g;
    };
    const off = await grads(false);
    const on = await grads(true);
    on.forEach((g, i) => expectClose(g, off[i], 1e-5, `gradient of ${model.trainableWeights[i].name}`));
    model.dispose();
  });
});

const MOBILENET = join(FIX, 'tfjs/mobilenet_v1_0.25_224/model.json');
describe.skipIf(!existsSync(MOBILENET) || !existsSync(join(FIX, 'images/dog.jpg')))('fused MobileNet v1 0.25 (fixture)', () => {
  beforeAll(testDevice);
  it('puts the husky classes 248-250 in its top 3 for dog.jpg and matches the unfused run', async () => {
    const { loadModelFile } = await import('../../src/node/models.ts');
    const { loadImageInput } = await import('../../src/node/images.ts');
    const { model } = await loadModelFile(MOBILENET);
    const m = model as Model;
    const x = loadImageInput(join(FIX, 'images/dog.jpg'), 224, 224, 'inception');
    const run = (fusion: boolean) => {
      m.fusion = fusion;
      return noGrad(() => tidy(() => m.call([upload(x, [1, 224, 224, 3])], { training: false })).data());
    };
    const p = await run(true);
    const ref = await run(false);
    expectClose(p, ref, 1e-4, 'fused vs unfused probabilities');
    const top3 = Array.from(p.keys()).sort((a, b) => p[b] - p[a]).slice(0, 3);
    expect(top3.filter((c) => c >= 248 && c <= 250).length).toBeGreaterThan(0);
    m.dispose();
  });
});
