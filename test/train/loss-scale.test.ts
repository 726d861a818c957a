// Loss scaling under the mixed/f16 precisions (src/train/loss-scale.ts, issue 10): tiny gradients
// that f16 operands flush to zero survive with dynamic scaling and match f32; an overflowing scale
// skips steps bit-exactly (weights, Adam's slots and step count untouched) and halves until steps
// go through; f32 trains exactly as without scaling by default; the scale doubles after N good
// steps; the gated optimizer kernels match the plain ones; the CLI flag and checkpoints.
import { describe, it, beforeAll, afterEach, expect } from 'vitest';
import { Command, CommanderError } from 'commander';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { saveKerasH5 } from '../../src/loaders/keras/save.ts';
import { testDevice } from '../helpers/gpu.ts';
import { rng } from '../helpers/random.ts';
import type { Device } from '../../src/gpu/device.ts';
import { setPrecision, type Precision } from '../../src/gpu/precision.ts';
import { Conv2D } from '../../src/graph/layers/conv2d.ts';
import { Dense } from '../../src/graph/layers/dense.ts';
import { Flatten } from '../../src/graph/layers/flatten.ts';
import { Sequential } from '../../src/graph/model.ts';
import { setSeed } from '../../src/graph/initializers.ts';
import { affine } from '../../src/graph/ops/arith.ts';
import type { Tensor, Variable } from '../../src/graph/tensor.ts';
import { arrayData, compile, type LossFn, type Trainer } from '../../src/train/fit.ts';
import { meanSquaredError } from '../../src/train/losses/regression.ts';
import type { Optimizer } from '../../src/train/optimizer.ts';
import { Adam, RMSprop, SGD } from '../../src/train/optimizers/index.ts';
import { resolveLossScale, type LossScaleOption } from '../../src/train/loss-scale.ts';
import { lossScaleOption, parseLossScale } from '../../src/cli/precision-flag.ts';
import { finetune, finetuneCommand, type FinetuneOptions } from '../../src/cli/finetune.ts';

const N = 8;
const mse: LossFn = Object.assign((p: Tensor, t: Tensor, w?: Tensor | null) => meanSquaredError(p, t, w), { lossName: 'mse' });
/** MSE x 1e-7: the output gradients (~1e-8) are below half of f16's smallest subnormal (2^-24). */
const tinyMse: LossFn = Object.assign((p: Tensor, t: Tensor, w?: Tensor | null) => affine(meanSquaredError(p, t, w), 1e-7, 0), { lossName: 'tiny_mse' });

/** Conv (3x3, relu) -> flatten -> dense: conv wgrad/dgrad and the dense GEMMs all take dy as an operand. */
function model(seed = 3): Sequential {
  setSeed(seed);
  return new Sequential([new Conv2D({ filters: 4, kernelSize: 3, activation: 'relu' }), new Flatten(), new Dense({ units: 3 })], { inputShape: [6, 6, 2] });
}

function data(seed = 5) {
  const r = rng(seed);
  const x = new Float32Array(N * 6 * 6 * 2).map(() => r() * 2 - 1);
  const y = new Float32Array(N * 3).map(() => r() * 2 - 1);
  return arrayData(x, [N, 6, 6, 2], y, [N, 3]);
}

const weights = (m: Sequential) => Promise.all(m.weights.map((v: Variable) => v.data()));
const kernels = (m: Sequential) => m.weights.map((v, i) => ({ v, i })).filter(({ v }) => v.name.includes('kernel'));

interface Run {
  m: Sequential;
  trainer: Trainer;
  before: Float32Array[];
  after: Float32Array[];
}

async function train(precision: Precision, lossScale: LossScaleOption | undefined, o: { loss?: LossFn; opt?: () => Optimizer; epochs?: number; seed?: number } = {}): Promise<Run> {
  const m = model(o.seed);
  const trainer = compile(m, { optimizer: (o.opt ?? (() => new SGD({ learningRate: 0.1 })))(), loss: o.loss ?? mse, precision, ...(lossScale === undefined ? {} : { lossScale }) });
  const before = await weights(m);
  await trainer.fit(data(), { epochs: o.epochs ?? 1, batchSize: N, shuffle: false });
  return { m, trainer, before, after: await weights(m) };
}

/** The weight changes of one plain-SGD step with `lr`, over lr: the gradients the optimizer saw. */
const grads = (r: Run, lr: number) => r.after.map((a, i) => Float64Array.from(a, (x, j) => (r.before[i][j] - x) / lr));
const maxAbs = (a: ArrayLike<number>) => Math.max(...Array.from(a, Math.abs));
const relErr = (a: ArrayLike<number>, ref: ArrayLike<number>) => maxAbs(Array.from(a, (x, i) => x - ref[i])) / maxAbs(ref);
const bitsEqual = (a: Float32Array[], b: Float32Array[]) => a.every((x, i) => Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(Buffer.from(b[i].buffer, b[i].byteOffset, b[i].byteLength)));

describe('loss scaling (mixed / f16 training)', () => {
  let device: Device;
  beforeAll(async () => {
    device = await testDevice();
  });
  afterEach(() => setPrecision(device, 'f32'));

  for (const precision of ['mixed', 'f16'] as const) {
    it(`${precision}: gradients f16 flushes to 0 match f32 with dynamic scaling (one SGD step)`, async () => {
      const lr = 1e6; // makes the ~1e-8 gradients visible in the f32 weights
      const opt = () => new SGD({ learningRate: lr });
      const ref = grads(await train('f32', false, { loss: tinyMse, opt }), lr);
      const unscaled = grads(await train(precision, false, { loss: tinyMse, opt }), lr);
      const scaled = await train(precision, undefined, { loss: tinyMse, opt }); // default: dynamic
      expect(scaled.trainer.lossScaleConfig).toEqual({ dynamic: true, initial: 2 ** 15, growthInterval: 2000 });
      expect(scaled.trainer.history.history.loss_scale).toEqual([2 ** 15]);
      expect(scaled.trainer.history.history.skipped_steps).toEqual([0]);
      const g = grads(scaled, lr);
      for (const { v, i } of kernels(scaled.m)) {
        // Without scaling the kernels' gradients are lost (exactly 0) where f32 has them...
        const lost = Array.from(ref[i]).filter((x, j) => x !== 0 && unscaled[i][j] === 0).length;
        expect(lost, `${v.name}: zeroed gradients without scaling`).toBeGreaterThan(ref[i].length / 2);
        expect(relErr(unscaled[i], ref[i]), `${v.name} unscaled`).toBeGreaterThan(0.5);
        // ...and with dynamic scaling they are f32's within 1e-2.
        expect(maxAbs(ref[i])).toBeGreaterThan(1e-9);
        expect(relErr(g[i], ref[i]), `${v.name} with loss scaling`).toBeLessThan(1e-2);
      }
      for (let i = 0; i < ref.length; i++) expect(relErr(g[i], ref[i]), scaled.m.weights[i].name).toBeLessThan(1e-2);
    });
  }

  it('an overflowing scale skips steps bit-exactly and halves until steps go through (Adam: skipped steps do not count)', async () => {
    const m = model();
    const opt = new Adam({ learningRate: 0.01 });
    const trainer = compile(m, { optimizer: opt, loss: mse, precision: 'mixed', lossScale: { initial: 2 ** 40, growthInterval: 1000 } });
    const ds = data();
    let prev = await weights(m);
    let scale = 2 ** 40;
    let skipped = 0;
    let applied = 0;
    let growth = 0;
    let firstGood = 0;
    let skippedFirst = 0;
    for (let e = 0; e < 40 && applied < 3; e++) {
      await trainer.fit(ds, { epochs: e + 1, initialEpoch: e, batchSize: N, shuffle: false });
      const h = trainer.history.history;
      const now = await weights(m);
      expect(now.every((w) => w.every(Number.isFinite))).toBe(true);
      if (h.skipped_steps.at(-1) === 1) {
        expect(bitsEqual(now, prev), `epoch ${e}: weights unchanged`).toBe(true);
        scale /= 2;
        skipped++;
        growth = 0;
      } else {
        expect(h.skipped_steps.at(-1)).toBe(0);
        expect(bitsEqual(now, prev), `epoch ${e}: weights changed`).toBe(false);
        if (!applied) [firstGood, skippedFirst] = [scale, skipped];
        applied++;
        growth++;
      }
      expect(h.loss_scale.at(-1)).toBe(scale);
      expect(opt.iterations, 'Adam counts applied steps only').toBe(applied);
      prev = now;
    }
    expect(skippedFirst).toBeGreaterThan(10); // f16 overflows dy past 65504
    expect(applied).toBe(3);
    expect((await trainer.lossScaleStatus())!).toEqual({ scale, skipped, iterations: 3, growth });
    // The first applied step is Adam's first (t = 1): as a fresh run at that fixed scale.
    const fresh = await train('mixed', firstGood, { opt: () => new Adam({ learningRate: 0.01 }) });
    const once = model();
    const t1 = compile(once, { optimizer: new Adam({ learningRate: 0.01 }), loss: mse, precision: 'mixed', lossScale: { initial: 2 ** 40, growthInterval: 1000 } });
    await t1.fit(ds, { epochs: skippedFirst + 1, batchSize: N, shuffle: false });
    expect(t1.history.history.skipped_steps.reduce((a, b) => a + b)).toBe(skippedFirst);
    expect(bitsEqual(await weights(once), fresh.after), 'after the skips = one fresh step').toBe(true);
    // Checkpoints carry the scaler: a resumed run continues exactly.
    const state = await trainer.getState();
    expect(state.lossScale).toEqual({ scale, growth, skipped });
    const resumedModel = model();
    const resumed = compile(resumedModel, { optimizer: new Adam({ learningRate: 0.01 }), loss: mse, precision: 'mixed', lossScale: { initial: 2 ** 40, growthInterval: 1000 } });
    resumed.setState(state);
    const more = { epochs: state.epoch + 2, initialEpoch: state.epoch, batchSize: N, shuffle: false };
    await resumed.fit(ds, more);
    await trainer.fit(ds, more);
    expect(resumed.history.history.loss_scale).toEqual(trainer.history.history.loss_scale);
    expect(bitsEqual(await weights(resumedModel), await weights(m)), 'resumed = continued').toBe(true);
    expect((resumed.optimizer as Adam).iterations).toBe(opt.iterations);
  });

  it('f32 by default: no scaling, bit-identical to lossScale false', async () => {
    const opt = () => new Adam({ learningRate: 0.01, decay: 0.1 });
    const dflt = await train('f32', undefined, { opt, epochs: 3 });
    const off = await train('f32', false, { opt, epochs: 3 });
    expect(dflt.trainer.lossScaleConfig).toBeNull();
    expect(dflt.trainer.lossScaler).toBeNull();
    expect(dflt.trainer.history.history.loss_scale).toBeUndefined();
    expect(bitsEqual(dflt.after, off.after)).toBe(true);
    expect(bitsEqual(dflt.after, dflt.before)).toBe(false);
    expect((dflt.trainer.optimizer as Adam).iterations).toBe(3);
    // 1 is off too; 'dynamic' under f32 is honored (and trains the same, within f32 rounding).
    expect(resolveLossScale(1, 'mixed')).toBeNull();
    const dyn = await train('f32', 'dynamic', { opt, epochs: 3 });
    expect(dyn.trainer.history.history.loss_scale).toEqual([2 ** 15, 2 ** 15, 2 ** 15]);
    for (let i = 0; i < off.after.length; i++) expect(relErr(Array.from(dyn.after[i], (x, j) => x - off.before[i][j]), Array.from(off.after[i], (x, j) => x - off.before[i][j]))).toBeLessThan(1e-4);
  });

  it('doubles the scale after growthInterval good steps in a row', async () => {
    const r = await train('mixed', { initial: 4, growthInterval: 3 }, { epochs: 7 });
    expect(r.trainer.history.history.loss_scale).toEqual([4, 4, 8, 8, 8, 16, 16]);
    expect(r.trainer.history.history.skipped_steps).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(await r.trainer.lossScaleStatus()).toEqual({ scale: 16, growth: 1, skipped: 0, iterations: 7 });
    // A fixed scale never moves.
    const fixed = await train('mixed', 1024, { epochs: 3 });
    expect(fixed.trainer.history.history.loss_scale).toEqual([1024, 1024, 1024]);
  });

  it('gated optimizer kernels (decay, weight decay, momentum, Adam bias correction) match the plain ones', async () => {
    const opts: [string, () => Optimizer][] = [
      ['sgd', () => new SGD({ learningRate: 0.05, decay: 0.2, weightDecay: 0.01 })],
      ['sgd momentum', () => new SGD({ learningRate: 0.05, momentum: 0.9, decay: 0.1 })],
      ['sgd nesterov', () => new SGD({ learningRate: 0.05, momentum: 0.8, nesterov: true, weightDecay: 0.02 })],
      ['adam', () => new Adam({ learningRate: 0.01, decay: 0.3, weightDecay: 0.1 })],
      ['adam b1=0', () => new Adam({ learningRate: 0.01, beta1: 0, beta2: 0.9 })],
      ['rmsprop', () => new RMSprop({ learningRate: 0.01, decay: 0.5, weightDecay: 0.05 })],
      ['rmsprop momentum', () => new RMSprop({ learningRate: 0.01, momentum: 0.5 })],
    ];
    for (const [name, opt] of opts) {
      const plain = await train('f32', false, { opt, epochs: 4 });
      const gated = await train('f32', 'dynamic', { opt, epochs: 4 });
      expect((gated.trainer.optimizer as SGD).iterations, name).toBe(4);
      for (let i = 0; i < plain.after.length; i++) {
        const d = (r: Run) => Array.from(r.after[i], (x, j) => x - r.before[i][j]);
        expect(relErr(d(gated), d(plain)), `${name} ${plain.m.weights[i].name}`).toBeLessThan(2e-4);
      }
    }
  });

  it('an optimizer without gated kernels gets the decision read back per step', async () => {
    const sgd = new SGD({ learningRate: 0.1 });
    let steps = 0;
    const hostOnly: Optimizer = {
      name: 'host-only',
      get learningRate() {
        return sgd.learningRate;
      },
      set learningRate(v) {
        sgd.learningRate = v;
      },
      step: (vars) => {
        steps++;
        sgd.step(vars);
      },
      dispose: () => sgd.dispose(),
    };
    const r = await train('mixed', { initial: 2 ** 40 }, { opt: () => hostOnly, epochs: 30 });
    const skipped = r.trainer.history.history.skipped_steps.reduce((a, b) => a + b);
    expect(skipped).toBeGreaterThan(10);
    expect(steps).toBe(30 - skipped);
    expect(r.after.every((w) => w.every(Number.isFinite))).toBe(true);
    expect(r.m.trainableWeights.every((v) => v.grad === null)).toBe(true);
  });

  it('--loss-scale dynamic|N|none on wgft finetune', async () => {
    expect(parseLossScale('dynamic')).toBe('dynamic');
    expect(parseLossScale('none')).toBe(false);
    expect(parseLossScale('65536')).toBe(65536);
    expect(() => parseLossScale('-2')).toThrow(/--loss-scale -2/);
    const parse = (argv: string[]) => new Command().addOption(lossScaleOption()).exitOverride().parse(argv, { from: 'user' }).opts().lossScale;
    expect(parse([])).toBeUndefined();
    expect(parse(['--loss-scale', '1024'])).toBe(1024);
    expect(parse(['--loss-scale=none'])).toBe(false);
    const bad = new Command().addOption(lossScaleOption()).exitOverride().configureOutput({ writeErr: () => {} });
    expect(() => bad.parse(['--loss-scale', 'big'], { from: 'user' })).toThrow(CommanderError);
    const help = finetuneCommand().helpInformation().replace(/\s+/g, ' ');
    expect(help).toMatch(/--loss-scale <dynamic\|N\|none> .*dynamic .*2\^15.*halve.*2000 good steps.*a fixed scale N, or none \(default: dynamic with --precision mixed\|f16, none with f32\)/);
    expect(() => compile(model(), { optimizer: new SGD(), loss: mse, lossScale: 0 })).toThrow(/lossScale 0/);
  });

  it('wgft finetune --precision mixed scales by default and reports loss_scale per epoch; --loss-scale none turns it off', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wgft-ls-'));
    const r = rng(9);
    for (const cls of ['a', 'b']) {
      mkdirSync(join(dir, 'imgs', cls), { recursive: true });
      for (let i = 0; i < 6; i++) {
        const png = new PNG({ width: 8, height: 8 });
        for (let p = 0; p < 64; p++) {
          const v = Math.round((cls === 'a' ? 60 : 190) + (r() - 0.5) * 80);
          png.data.set([v, v, v, 255], p * 4);
        }
        writeFileSync(join(dir, 'imgs', cls, `${i}.png`), PNG.sync.write(png));
      }
    }
    setSeed(2);
    const tiny = new Sequential([new Conv2D({ filters: 3, kernelSize: 3, activation: 'relu', name: 'conv' }), new Flatten({ name: 'flatten' }), new Dense({ units: 4, name: 'top' })], { inputShape: [8, 8, 3], name: 'tiny' });
    writeFileSync(join(dir, 'tiny.h5'), await saveKerasH5(tiny));
    const run = async (extra: Partial<FinetuneOptions>) => {
      const lines: string[] = [];
      const o = { model: join(dir, 'tiny.h5'), data: join(dir, 'imgs'), cut: 'flatten', head: 'dense:CLASSES:softmax', freeze: 'none', optimizer: 'adam', lr: '0.01', lrMult: [], epochs: '2', batchSize: '4', validationSplit: '0', seed: '0', cache: false, plots: false, out: join(dir, `out-${lines.length}-${extra.lossScale ?? 'default'}`), ...extra } as FinetuneOptions;
      const t = await finetune(o, (l) => void lines.push(l));
      return { t, text: lines.join('\n') };
    };
    const dyn = await run({ precision: 'mixed' });
    expect(dyn.text).toMatch(/loss scaling: dynamic \(initial 32768, doubled after 2000 good steps\)/);
    expect(dyn.text).toMatch(/epoch 2\/2: .*loss_scale 32768.* skipped_steps 0/);
    expect(dyn.t.history.history.loss_scale).toEqual([32768, 32768]);
    expect(dyn.t.history.history.skipped_steps).toEqual([0, 0]);
    const none = await run({ precision: 'mixed', lossScale: 'none' });
    expect(none.text).toMatch(/loss scaling: none/);
    expect(none.t.lossScaler).toBeNull();
    expect(none.t.history.history.loss_scale).toBeUndefined();
    const f32 = await run({ precision: 'f32' });
    expect(f32.text).not.toMatch(/loss scaling/);
    expect(f32.t.lossScaler).toBeNull();
  });
});
