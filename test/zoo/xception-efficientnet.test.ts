// Xception and EfficientNetB0: Keras's layer names and parameter counts (shape-only builds), and
// forward passes on the CPU adapter at small inputs; the layers EfficientNet adds (Rescaling,
// Normalization, squeeze-and-excitation's broadcast Multiply) against float64 references.
import { beforeAll, describe, expect, it } from 'vitest';
import { testDevice, upload } from '../helpers/gpu.ts';
import { randomArray } from '../helpers/random.ts';
import { expectClose } from '../helpers/compare.ts';
import { buildZoo, ZOO } from '../../src/zoo/index.ts';
import { Input, Model } from '../../src/graph/model.ts';
import { Rescaling } from '../../src/graph/layers/rescaling.ts';
import { Normalization } from '../../src/graph/layers/normalization.ts';
import { Multiply } from '../../src/graph/layers/add.ts';
import { modelFromConfig } from '../../src/loaders/keras/model-config.ts';
import { modelConfig } from '../../src/loaders/keras/save.ts';
import { tidy } from '../../src/graph/scope.ts';
import { Dropout } from '../../src/graph/layers/dropout.ts';

const count = (m: Model) => ({ total: m.countParams(), nonTrainable: m.nonTrainableWeights.reduce((s, v) => s + v.size, 0) });

describe('Xception and EfficientNetB0 architectures', () => {
  beforeAll(testDevice);
  it('xception: 22,910,480 parameters with the top (54,528 non-trainable), 20,861,480 without', () => {
    const m = buildZoo('xception', { shapeOnly: true });
    expect(count(m)).toEqual({ total: 22910480, nonTrainable: 54528 });
    expect(m.inputShape).toEqual([299, 299, 3]);
    const names = m.layers.map((l) => l.name);
    for (const n of ['block1_conv1', 'block2_sepconv1', 'conv2d_1', 'batch_normalization_4', 'add_12', 'block13_pool', 'block14_sepconv2_act', 'avg_pool', 'predictions']) expect(names).toContain(n);
    expect(buildZoo('xception', { shapeOnly: true, includeTop: false }).countParams()).toBe(20861480);
    expect(ZOO.xception.lastBackboneLayer).toBe('block14_sepconv2_act');
  });
  it('efficientnet_b0: 5,330,571 parameters with the top (42,023 non-trainable), 4,049,571 without', () => {
    const m = buildZoo('efficientnet_b0', { shapeOnly: true });
    expect(count(m)).toEqual({ total: 5330571, nonTrainable: 42023 });
    const names = m.layers.map((l) => l.name);
    expect(names.slice(0, 7)).toEqual(['input_1', 'rescaling', 'normalization', 'stem_conv_pad', 'stem_conv', 'stem_bn', 'stem_activation']);
    for (const n of ['block1a_se_excite', 'block2a_dwconv_pad', 'block2b_drop', 'block2b_add', 'block6d_add', 'block7a_project_bn', 'top_activation', 'top_dropout', 'predictions']) expect(names).toContain(n);
    expect(m.getLayer('block1a_se_excite').className).toBe('Multiply');
    expect(buildZoo('efficientnet_b0', { shapeOnly: true, includeTop: false }).countParams()).toBe(4049571);
  });
  it('configs round-trip through the Keras config reader', () => {
    for (const id of ['xception', 'efficientnet_b0']) {
      const m = buildZoo(id, { shapeOnly: true, includeTop: false, inputShape: [96, 96, 3] });
      const cfg = modelConfig(m);
      const back = modelFromConfig(JSON.parse(JSON.stringify(cfg)) as never, { source: id });
      expect(back.layers.map((l) => [l.name, l.className])).toEqual(m.layers.map((l) => [l.name, l.className]));
      expect(back.countParams()).toBe(m.countParams());
      back.dispose();
    }
  });
});

describe('forward on the CPU adapter', () => {
  beforeAll(testDevice);
  it('Rescaling, Normalization and a [N,1,1,C] x [N,H,W,C] Multiply match float64', async () => {
    const x = Input([3, 2, 4]);
    const r = new Rescaling({ scale: 1 / 255, offset: 0.5 }).apply(x);
    const nrm = new Normalization({});
    const n = nrm.apply(r);
    const g = Input([1, 1, 4]);
    const y = new Multiply({}).apply([n, g]);
    const m = new Model({ inputs: [x, g], outputs: y });
    const mean = randomArray(4, 2);
    const variance = randomArray(4, 3, 0.5, 2);
    nrm.mean.assign(Float32Array.from(mean));
    nrm.variance.assign(Float32Array.from(variance));
    const B = 2;
    const xs = randomArray(B * 24, 4, 0, 255);
    const gs = randomArray(B * 4, 5);
    const ours = await tidy(() => m.run([upload(xs, [B, 3, 2, 4]), upload(gs, [B, 1, 1, 4])], { training: false })[0].data());
    const ref = new Float64Array(B * 24);
    for (let i = 0; i < ref.length; i++) {
      const c = i % 4;
      const b = Math.floor(i / 24);
      ref[i] = ((xs[i] / 255 + 0.5 - mean[c]) / Math.sqrt(variance[c])) * gs[b * 4 + c];
    }
    expectClose(ours, ref, 1e-5, 'rescale/normalize/excite');
    expect(nrm.weights.map((v) => [v.name, v.shape])).toEqual([['normalization/mean:0', [4]], ['normalization/variance:0', [4]], ['normalization/count:0', []]].map(([a, s]) => [(a as string).replace('normalization', nrm.name), s]));
    m.dispose();
  });
  it("drop-connect: Dropout with noise_shape [None,1,1,1] keeps or drops whole samples", async () => {
    const d = new Dropout({ rate: 0.5, noiseShape: [null, 1, 1, 1], seed: 4 });
    const B = 16;
    const xs = randomArray(B * 3 * 2 * 5, 6, 0.5, 1);
    const y = await tidy(() => d.call([upload(xs, [B, 3, 2, 5])], { training: true }).data());
    let kept = 0;
    for (let b = 0; b < B; b++) {
      const row = Array.from(y.slice(b * 30, b * 30 + 30));
      const zero = row.every((v) => v === 0);
      if (!zero) {
        kept++;
        row.forEach((v, i) => expect(v).toBeCloseTo(2 * xs[b * 30 + i], 5));
      }
    }
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(B);
  });
  for (const [id, size, batch] of [['efficientnet_b0', 33, 2], ['xception', 71, 1]] as const) {
    it(`${id} at ${size}x${size} (batch ${batch}): softmax over 6 classes; training mode runs too`, async () => {
      const m = buildZoo(id, { inputShape: [size, size, 3], classes: 6 });
      const xs = randomArray(batch * size * size * 3, 9, 0, 255);
      const p = await tidy(() => m.call([upload(xs, [batch, size, size, 3])], { training: false }).data());
      expect(p.length).toBe(batch * 6);
      for (let b = 0; b < batch; b++) expect(Array.from(p.slice(b * 6, b * 6 + 6)).reduce((s, v) => s + v, 0)).toBeCloseTo(1, 4);
      expect(p.every(Number.isFinite)).toBe(true);
      if (id === 'efficientnet_b0') {
        const t = await tidy(() => m.call([upload(xs, [batch, size, size, 3])], { training: true }).data());
        expect(t.every(Number.isFinite)).toBe(true);
      }
      m.dispose();
    });
  }
});
