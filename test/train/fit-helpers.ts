// Shared pieces of the fit tests: a small regression model and data, SGD and MSE.
import type { Tensor } from '../../src/graph/tensor.ts';
import { SGD } from '../../src/train/optimizers/sgd.ts';
import { meanSquaredError } from '../../src/train/losses/regression.ts';
import type { Optimizer } from '../../src/train/optimizer.ts';
import { Dense } from '../../src/graph/layers/dense.ts';
import { Sequential } from '../../src/graph/model.ts';
import { setSeed } from '../../src/graph/initializers.ts';
import { arrayData } from '../../src/train/fit.ts';
import { rng } from '../helpers/random.ts';

/** Plain SGD (the real optimizer). */
export const plainSgd = (lr: number): Optimizer => new SGD({ learningRate: lr });

export const mse = Object.assign((yPred: Tensor, yTrue: Tensor, w?: Tensor | null): Tensor => meanSquaredError(yPred, yTrue, w), { metricName: 'mse' });

export function regressionModel(seed: number, frozen = 2): Sequential {
  setSeed(seed);
  const m = new Sequential([new Dense({ units: 12, activation: 'relu' }), new Dense({ units: 8, activation: 'tanh' }), new Dense({ units: 1 })], { inputShape: [6] });
  m.layers.forEach((l, i) => (l.trainable = i >= frozen));
  return m;
}

export function regressionData(n: number, seed = 1) {
  const r = rng(seed);
  const x = new Float32Array(n * 6).map(() => r() * 2 - 1);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) y[i] = Math.sin(x[i * 6]) + 0.5 * x[i * 6 + 1] * x[i * 6 + 2] - 0.3 * x[i * 6 + 3];
  return arrayData(x, [n, 6], y, [n, 1]);
}
