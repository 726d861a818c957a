import { beforeAll, describe, expect, it } from 'vitest';
import { testDevice } from '../helpers/gpu.ts';
import { arrayData, compile, type TrainerState } from '../../src/train/fit.ts';
import { LAYER_CLASSES } from '../../src/graph/layers/registry.ts';
import { rng } from '../helpers/random.ts';
import { splitModel } from '../../src/train/bottleneck.ts';
import { EarlyStopping, ModelCheckpoint, ReduceLROnPlateau, CSVLogger, LearningRateScheduler } from '../../src/train/callbacks/index.ts';
import { mse, plainSgd, regressionData, regressionModel } from './fit-helpers.ts';
import { Dense } from '../../src/graph/layers/dense.ts';
import { Sequential } from '../../src/graph/model.ts';
import { setSeed } from '../../src/graph/initializers.ts';
import { Adam } from '../../src/train/optimizers/adam.ts';
import { loadState, saveState } from '../../src/node/checkpoint.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe('fit', () => {
  beforeAll(testDevice);

  it('lowers the loss, leaves frozen weights bit-identical and changes trainable ones', async () => {
    const model = regressionModel(3, 1);
    const before = await Promise.all(model.weights.map((w) => w.data()));
    const t = compile(model, { optimizer: plainSgd(0.05), loss: mse, metrics: [mse] });
    const h = await t.fit(regressionData(96), { epochs: 6, batchSize: 16, validationSplit: 0.25, seed: 0 });
    const loss = h.history.loss;
    expect(loss.length).toBe(6);
    expect(loss[5]).toBeLessThan(loss[0]);
    expect(h.history.val_loss.length).toBe(6);
    expect(h.history.mse[0]).toBeGreaterThan(0);
    const after = await Promise.all(model.weights.map((w) => w.data()));
    model.weights.forEach((w, i) => {
      const same = maxDiff(before[i], after[i]) === 0;
      expect(same, w.name).toBe(!w.trainable);
    });
    expect(t.split?.prefixLayers).toBe(2); // input + first dense
    const ev = await t.evaluate(regressionData(32, 9));
    expect(ev.loss).toBeGreaterThan(0);
    const p = await t.predict(regressionData(5, 2));
    expect(p.shape).toEqual([5, 1]);
  });

  it('splits at the deepest frozen tensor', () => {
    const m = regressionModel(1, 2);
    const s = splitModel(m)!;
    expect(s.cutLayer.name).toBe(m.layers[1].name);
    expect(s.deterministic).toBe(true);
    m.layers.forEach((l) => (l.trainable = true));
    expect(splitModel(m)).toBeNull();
  });

  it('bottleneck cache gives the same weights as recomputing the prefix', async () => {
    // Images through a frozen two-conv prefix, a small dense head trained on top.
    const n = 96;
    const r = rng(12);
    const x = new Float32Array(n * 10 * 10 * 3).map(() => r() * 2 - 1);
    const y = new Float32Array(n).map((_, i) => x[i * 300] * 0.5 + x[i * 300 + 7] * x[i * 300 + 40]);
    const data = arrayData(x, [n, 10, 10, 3], y, [n, 1]);
    const L = (c: string, cfg: Record<string, unknown>) => LAYER_CLASSES[c]({ trainable: true, ...cfg });
    const conv = (name: string, f: number) => L('Conv2D', { name, filters: f, kernel_size: [3, 3], strides: [1, 1], padding: 'same', data_format: 'channels_last', dilation_rate: [1, 1], activation: 'relu', use_bias: true });
    const run = async (cache: boolean) => {
      setSeed(7);
      const model = new Sequential([conv('c1', 16), conv('c2', 16), L('Flatten', { name: 'flat' }), new Dense({ units: 8, activation: 'relu' }), new Dense({ units: 1 })], { inputShape: [10, 10, 3] });
      model.layers[0].trainable = false;
      model.layers[1].trainable = false;
      const t = compile(model, { optimizer: plainSgd(0.01), loss: mse });
      await t.fit(data, { epochs: 4, batchSize: 16, validationSplit: 0.25, seed: 3, cache });
      expect(t.split?.cutLayer.name).toBe('flat');
      return { w: await Promise.all(model.weights.map((w) => w.data())), stats: t.epochStats };
    };
    const a = await run(true);
    const b = await run(false);
    a.w.forEach((w, i) => expect(maxDiff(w, b.w[i])).toBeLessThanOrEqual(1e-5));
    expect(a.stats.map((s) => s.cache)).toEqual(['fill', 'gpu', 'gpu', 'gpu']);
    expect(b.stats.map((s) => s.cache)).toEqual(['', '', '', '']);
    const later = (s: typeof a.stats) => s.slice(1).reduce((x, e) => x + e.seconds, 0) / (s.length - 1);
    console.log(`bottleneck cache: later epochs ${later(b.stats).toFixed(3)}s -> ${later(a.stats).toFixed(3)}s (x${(later(b.stats) / later(a.stats)).toFixed(1)})`);
  });

  it('keeps the cache off when the frozen prefix has dropout', async () => {
    setSeed(2);
    const L = (c: string, cfg: Record<string, unknown>) => LAYER_CLASSES[c]({ trainable: true, ...cfg });
    const model = new Sequential([new Dense({ units: 8, activation: 'relu' }), L('Dropout', { rate: 0.3 }), new Dense({ units: 1 })], { inputShape: [6] });
    model.layers[0].trainable = false;
    const t = compile(model, { optimizer: plainSgd(0.01), loss: mse });
    await t.fit(regressionData(32), { epochs: 2, batchSize: 16 });
    expect(t.split?.deterministic).toBe(false);
    expect(t.epochStats.map((s) => s.cache)).toEqual(['', '']);
  });

  it('class_weight weights the loss per class', async () => {
    const m = regressionModel(4, 1);
    const t = compile(m, { optimizer: plainSgd(0), loss: mse });
    const d = regressionData(16);
    const base = (await t.fit(d, { epochs: 1, batchSize: 16, shuffle: false })).history.loss[0];
    const doubled = (await t.fit(d, { epochs: 1, batchSize: 16, shuffle: false, classWeight: { [-2]: 2, [-1]: 2, 0: 2, 1: 2, 2: 2 } })).history.loss[1];
    expect(doubled).toBeCloseTo(2 * base, 4);
  });

  it('host-memory cache gives the same weights too', async () => {
    const data = regressionData(64);
    const run = async (cache: boolean | object) => {
      const model = regressionModel(7, 2);
      const t = compile(model, { optimizer: plainSgd(0.05), loss: mse });
      await t.fit(data, { epochs: 3, batchSize: 16, seed: 3, cache: cache as boolean });
      return { w: await Promise.all(model.weights.map((w) => w.data())), stats: t.epochStats };
    };
    const a = await run({ gpuBudget: 0 });
    const b = await run(false);
    expect(a.stats.map((s) => s.cache)).toEqual(['fill', 'host', 'host']);
    a.w.forEach((w, i) => expect(maxDiff(w, b.w[i])).toBeLessThanOrEqual(1e-5));
  });

  it('resume from a checkpoint gives the same final weights as an uninterrupted run', async () => {
    const data = regressionData(80);
    const full = regressionModel(11, 1);
    const tf = compile(full, { optimizer: plainSgd(0.05), loss: mse });
    await tf.fit(data, { epochs: 4, batchSize: 16, seed: 5 });
    const ref = await Promise.all(full.weights.map((w) => w.data()));

    let saved: TrainerState | null = null;
    const first = regressionModel(11, 1);
    const t1 = compile(first, { optimizer: plainSgd(0.05), loss: mse });
    const ckpt = new ModelCheckpoint({ monitor: 'loss', save: async (tr) => void (saved = await tr.getState()) });
    // Interrupted during epoch 3: the checkpoint of epoch 2 is what survives.
    const stopper = new ModelCheckpoint({ monitor: 'loss', save: () => {} });
    stopper.onBatchEnd = (b) => {
      if (t1.history.epoch.length === 2 && b === 2) t1.stop();
    };
    await t1.fit(data, { epochs: 4, batchSize: 16, seed: 5, callbacks: [ckpt, stopper] });
    expect(t1.wasAborted).toBe(true);
    expect(saved!.epoch).toBe(2);

    const second = regressionModel(99, 1); // other initial weights: all must come from the state
    const t2 = compile(second, { optimizer: plainSgd(0.05), loss: mse });
    t2.setState(saved!);
    const h = await t2.fit(data, { epochs: 4, batchSize: 16, seed: 5, initialEpoch: saved!.epoch });
    expect(h.epoch).toEqual([0, 1, 2, 3]);
    const got = await Promise.all(second.weights.map((w) => w.data()));
    got.forEach((w, i) => expect(maxDiff(w, ref[i])).toBe(0));
  });
});

describe('resume with Adam through a checkpoint file', () => {
  beforeAll(testDevice);
  it('gives bit-identical final weights', async () => {
    const data = regressionData(72);
    const args = { epochs: 3, batchSize: 16, seed: 2, validationSplit: 0.25 };
    const full = regressionModel(21, 1);
    await compile(full, { optimizer: new Adam({ learningRate: 0.01 }), loss: mse }).fit(data, args);
    const ref = await Promise.all(full.weights.map((w) => w.data()));

    const path = join(mkdtempSync(join(tmpdir(), 'wgft-ckpt-')), 'checkpoint.wgft');
    const a = regressionModel(21, 1);
    const ta = compile(a, { optimizer: new Adam({ learningRate: 0.01 }), loss: mse });
    const ck = new ModelCheckpoint({ filepath: path, monitor: 'loss', save: async (tr, _e, _l, p) => saveState(p, await tr.getState()) });
    await ta.fit(data, { ...args, epochs: 2, callbacks: [ck] });

    const b = regressionModel(22, 1);
    const tb = compile(b, { optimizer: new Adam({ learningRate: 0.01 }), loss: mse });
    const st = loadState(path);
    expect(st.epoch).toBe(2);
    expect((st.optimizer as { iterations: number }).iterations).toBe(2 * 4);
    tb.setState(st);
    const h = await tb.fit(data, { ...args, initialEpoch: st.epoch });
    expect(h.history.loss.length).toBe(3);
    const got = await Promise.all(b.weights.map((w) => w.data()));
    got.forEach((w, i) => expect(maxDiff(w, ref[i])).toBe(0));
  });
});

describe('callbacks', () => {
  beforeAll(testDevice);

  it('ModelCheckpoint save_best_only keeps the best val_loss epoch; EarlyStopping restores it', async () => {
    const model = regressionModel(5, 1);
    // A rate high enough to make val_loss go up and down.
    const t = compile(model, { optimizer: plainSgd(0.9), loss: mse });
    let best: { epoch: number; w: Float32Array[] } | null = null;
    const ckpt = new ModelCheckpoint({
      monitor: 'val_loss',
      save_best_only: true,
      save: async (tr, epoch) => void (best = { epoch, w: (await tr.getWeights()).map((x) => x.data) }),
    });
    const es = new EarlyStopping({ monitor: 'val_loss', patience: 2, restore_best_weights: true });
    const lines: string[] = [];
    const h = await t.fit(regressionData(64), { epochs: 12, batchSize: 8, validationSplit: 0.25, callbacks: [ckpt, es, new CSVLogger((l) => void lines.push(l))] });
    const vl = h.history.val_loss;
    const bestEpoch = vl.indexOf(Math.min(...vl));
    expect(best!.epoch).toBe(bestEpoch);
    expect(ckpt.saved.at(-1)).toBe(bestEpoch);
    // every saved epoch improved on all before it
    for (const e of ckpt.saved) expect(vl[e]).toBe(Math.min(...vl.slice(0, e + 1)));
    expect(es.bestEpoch).toBe(bestEpoch);
    if (es.stoppedEpoch >= 0) expect(h.epoch.length).toBe(es.stoppedEpoch + 1);
    const now = await Promise.all(model.weights.map((w) => w.data()));
    now.forEach((w, i) => expect(maxDiff(w, best!.w[i])).toBe(0));
    expect(lines[0].split(',')[0]).toBe('epoch');
    expect(lines.length).toBe(h.epoch.length + 1);
  });

  it('ReduceLROnPlateau lowers the rate after the patience', async () => {
    const model = regressionModel(5, 1);
    const opt = plainSgd(0.01);
    const t = compile(model, { optimizer: opt, loss: mse });
    const rl = new ReduceLROnPlateau({ monitor: 'loss', factor: 0.5, patience: 2, min_delta: 1e9 });
    const h = await t.fit(regressionData(32), { epochs: 5, batchSize: 16, callbacks: [rl] });
    // min_delta so large that nothing counts as an improvement: epoch 0 sets best, 1-2 wait, 2 reduces, 4 reduces.
    expect(rl.reductions).toEqual([2, 4]);
    // logs.lr is the rate the epoch ran with (Keras logs it before reducing).
    expect(h.history.lr).toEqual([0.01, 0.01, 0.01, 0.005, 0.005]);
    expect(opt.learningRate).toBe(0.0025);
  });

  it('LearningRateScheduler sets the rate each epoch', async () => {
    const model = regressionModel(5, 1);
    const opt = plainSgd(0.1);
    const t = compile(model, { optimizer: opt, loss: mse });
    const h = await t.fit(regressionData(16), { epochs: 3, batchSize: 16, callbacks: [new LearningRateScheduler((e) => 0.1 / (e + 1))] });
    expect(h.history.lr).toEqual([0.1, 0.05, 0.1 / 3]);
  });
});
