// Keras's named activations with a parameter use Keras's default for it: activation='elu' is
// ELU with alpha 1 (not 0, which would be a ReLU), wherever the name appears: the Activation
// layer, a Dense or Conv2D with a fused epilogue, and the inference fusion of a conv chain.
import { describe, it, beforeAll, expect } from 'vitest';
import { testDevice, upload } from '../helpers/gpu.ts';
import { Activation } from '../../src/graph/layers/activation.ts';
import { Dense } from '../../src/graph/layers/dense.ts';
import { Conv2D } from '../../src/graph/layers/conv2d.ts';
import { Sequential } from '../../src/graph/model.ts';
import { tidy } from '../../src/graph/scope.ts';

const elu = (v: number) => (v > 0 ? v : Math.exp(v) - 1);
const X = [-1, -2, 1, -0.5, 3, -4];

async function run(model: Sequential, shape: number[], training: boolean): Promise<Float32Array> {
  const y = tidy(() => model.call([upload(X, shape)], { training }));
  const data = await y.data();
  y.dispose();
  return data;
}

describe("activation='elu' uses Keras's alpha = 1", () => {
  beforeAll(testDevice);

  it('Activation layer', async () => {
    const model = new Sequential([new Activation({ activation: 'elu' })], { inputShape: [6] });
    const y = await run(model, [1, 6], false);
    y.forEach((v, i) => expect(v).toBeCloseTo(elu(X[i]), 5));
  });

  it('Dense with a fused elu (identity kernel)', async () => {
    const layer = new Dense({ units: 6, activation: 'elu' });
    const model = new Sequential([layer], { inputShape: [6] });
    const eye = new Float32Array(36);
    for (let i = 0; i < 6; i++) eye[i * 7] = 1;
    layer.kernel.assign(eye);
    layer.bias!.assign(new Float32Array(6));
    const y = await run(model, [1, 6], true);
    y.forEach((v, i) => expect(v).toBeCloseTo(elu(X[i]), 5));
  });

  it('Conv2D 1x1 with a fused elu, in training and through inference fusion', async () => {
    const layer = new Conv2D({ filters: 1, kernelSize: [1, 1], activation: 'elu' });
    const model = new Sequential([layer], { inputShape: [2, 3, 1] });
    layer.kernel.assign([1]);
    layer.bias!.assign([0]);
    for (const training of [true, false]) {
      const y = await run(model, [1, 2, 3, 1], training);
      y.forEach((v, i) => expect(v).toBeCloseTo(elu(X[i]), 5));
    }
  });
});
