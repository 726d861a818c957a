import { describe, it, beforeAll, expect } from 'vitest';
import { testDevice, upload } from '../helpers/gpu.ts';
import { randomArray } from '../helpers/random.ts';
import { expectClose } from '../helpers/compare.ts';
import { keep } from '../../src/graph/scope.ts';
import { Variable } from '../../src/graph/tensor.ts';
import { SGD } from '../../src/train/optimizers/sgd.ts';
import { Adam } from '../../src/train/optimizers/adam.ts';
import { RMSprop } from '../../src/train/optimizers/rmsprop.ts';
import type { KernelOptimizer } from '../../src/train/optimizers/base.ts';

interface Cfg { lr: number; decay?: number; wd?: number; mult?: number }
type Rule = (w: Float64Array, g: Float64Array, s: Float64Array[], lr: number, t: number, wd: number) => void;

/** Float64 references of the Keras 2 update rules (lr already decayed and multiplied). */
const sgdRef = (momentum: number, nesterov: boolean): Rule => (w, g, [v], lr, _t, wd) => {
  for (let i = 0; i < w.length; i++) {
    w[i] *= 1 - lr * wd;
    if (momentum === 0) { w[i] -= lr * g[i]; continue; }
    v[i] = momentum * v[i] - lr * g[i];
    w[i] += nesterov ? momentum * v[i] - lr * g[i] : v[i];
  }
};
const adamRef = (b1: number, b2: number, eps: number): Rule => (w, g, [m, v], lr, t, wd) => {
  const lrT = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
  for (let i = 0; i < w.length; i++) {
    m[i] = b1 * m[i] + (1 - b1) * g[i];
    v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
    w[i] = w[i] * (1 - lr * wd) - (lrT * m[i]) / (Math.sqrt(v[i]) + eps);
  }
};
const rmsRef = (rho: number, eps: number, momentum = 0): Rule => (w, g, [a, m], lr, _t, wd) => {
  for (let i = 0; i < w.length; i++) {
    a[i] = rho * a[i] + (1 - rho) * g[i] * g[i];
    const step = (lr * g[i]) / (Math.sqrt(a[i]) + eps);
    m[i] = momentum * m[i] + step;
    w[i] = w[i] * (1 - lr * wd) - (momentum > 0 ? m[i] : step);
  }
};

async function compare(make: (c: Cfg) => KernelOptimizer, rule: Rule, c: Cfg, shape: number[], steps = 4): Promise<void> {
  const n = shape.reduce((a, b) => a * b, 1);
  const w0 = randomArray(n, 1 + n);
  const v = Variable.create(Float32Array.from(w0), shape, 'layer/kernel:0');
  const frozen = Variable.create(Float32Array.from(w0), shape, 'other/kernel:0');
  const opt = make(c);
  if (c.mult !== undefined) opt.lrMult.set('layer/kernel:0', c.mult);
  const w = Float64Array.from(w0);
  const slots = [new Float64Array(n), new Float64Array(n)];
  for (let t = 1; t <= steps; t++) {
    const g = randomArray(n, 100 * t + n, -2, 2);
    v.grad = keep(upload(g, shape));
    opt.step([v, frozen]); // frozen has no grad: untouched
    expect(v.grad).toBeNull();
    rule(w, g, slots, (c.lr / (1 + (c.decay ?? 0) * (t - 1))) * (c.mult ?? 1), t, c.wd ?? 0);
  }
  expectClose(await v.data(), w, 2e-6, `${opt.name} after ${steps} steps`);
  expectClose(await frozen.data(), w0, 0, 'variable without grad');
  expect(opt.iterations).toBe(steps);
  opt.dispose();
  v.dispose();
  frozen.dispose();
}

describe('optimizers vs float64 references of the Keras update rules', () => {
  beforeAll(testDevice);
  const shapes = [[1], [7, 3], [2, 3, 5]];
  for (const shape of shapes) {
    it(`SGD plain / momentum / nesterov ${JSON.stringify(shape)}`, async () => {
      await compare((c) => new SGD({ learningRate: c.lr }), sgdRef(0, false), { lr: 0.1 }, shape);
      await compare((c) => new SGD({ learningRate: c.lr, momentum: 0.9 }), sgdRef(0.9, false), { lr: 0.05 }, shape);
      await compare((c) => new SGD({ learningRate: c.lr, momentum: 0.8, nesterov: true, decay: c.decay, weightDecay: c.wd }), sgdRef(0.8, true), { lr: 0.05, decay: 0.1, wd: 0.01 }, shape);
    });
    it(`Adam ${JSON.stringify(shape)}`, async () => {
      await compare((c) => new Adam({ learningRate: c.lr }), adamRef(0.9, 0.999, 1e-7), { lr: 0.01 }, shape, 5);
      await compare((c) => new Adam({ learningRate: c.lr, beta1: 0.5, beta2: 0.9, epsilon: 1e-3, decay: c.decay, weightDecay: c.wd }), adamRef(0.5, 0.9, 1e-3), { lr: 0.02, decay: 0.3, wd: 0.1 }, shape);
    });
    it(`RMSprop with Keras 2 decay ${JSON.stringify(shape)}`, async () => {
      await compare((c) => new RMSprop({ learningRate: c.lr }), rmsRef(0.9, 1e-7), { lr: 0.01 }, shape);
      await compare((c) => new RMSprop({ learningRate: c.lr, decay: c.decay, rho: 0.8, epsilon: 1e-4 }), rmsRef(0.8, 1e-4), { lr: 0.01, decay: 0.5 }, shape, 6);
      await compare((c) => new RMSprop({ learningRate: c.lr, momentum: 0.7, weightDecay: c.wd }), rmsRef(0.9, 1e-7, 0.7), { lr: 0.01, wd: 0.05 }, shape);
    });
  }
  it('per-variable lr multipliers', async () => {
    await compare((c) => new SGD({ learningRate: c.lr, momentum: 0.9 }), sgdRef(0.9, false), { lr: 0.1, mult: 0.1 }, [4, 3]);
    await compare((c) => new Adam({ learningRate: c.lr }), adamRef(0.9, 0.999, 1e-7), { lr: 0.01, mult: 0 }, [5]);
  });
  it('state round-trips (slots on the GPU, read back on request)', async () => {
    const v = Variable.create([1, 2, 3], [3], 'a:0');
    const opt = new Adam({ learningRate: 0.1 });
    v.grad = keep(upload([0.5, -1, 2], [3]));
    opt.step([v]);
    const state = await opt.getState();
    const opt2 = new Adam({ learningRate: 0.1 });
    opt2.setState(state);
    const v2 = Variable.create(await v.data(), [3], 'a:0');
    for (const [o, x] of [[opt, v], [opt2, v2]] as const) {
      x.grad = keep(upload([0.1, 0.2, -0.3], [3]));
      o.step([x]);
    }
    expectClose(await v2.data(), await v.data(), 0, 'restored');
    for (const x of [opt, opt2, v, v2]) x.dispose();
  });
  it('bad arguments are refused by name', () => {
    expect(() => new Adam({ beta1: 1 })).toThrow(/Adam: beta1 1/);
    expect(() => new SGD({ learningRate: -1 })).toThrow(/SGD: learningRate -1/);
    expect(() => new RMSprop({ rho: 2 })).toThrow(/RMSprop: rho 2/);
  });
});
