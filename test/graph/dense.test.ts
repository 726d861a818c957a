import { describe, it, beforeAll, expect } from 'vitest';
import { testDevice, upload } from '../helpers/gpu.ts';
import { randomArray } from '../helpers/random.ts';
import { expectClose } from '../helpers/compare.ts';
import { numericGrad } from '../helpers/gradcheck.ts';
import { Dense } from '../../src/graph/layers/dense.ts';
import { Sequential } from '../../src/graph/model.ts';
import { backward } from '../../src/graph/tape.ts';
import { tidy } from '../../src/graph/scope.ts';
import { mul } from '../../src/graph/ops/arith.ts';
import { sum } from '../../src/graph/ops/reduce.ts';
import { Tensor } from '../../src/graph/tensor.ts';

function refDense(x: Float64Array, w: Float64Array, b: Float64Array, B: number, I: number, O: number, act: string) {
  const y = new Float64Array(B * O);
  for (let i = 0; i < B; i++)
    for (let o = 0; o < O; o++) {
      let s = b[o];
      for (let k = 0; k < I; k++) s += x[i * I + k] * w[k * O + o];
      y[i * O + o] = act === 'relu' ? Math.max(0, s) : act === 'tanh' ? Math.tanh(s) : act === 'softsign' ? s / (1 + Math.abs(s)) : s;
    }
  return y;
}

describe('Dense layer forward and backward', () => {
  beforeAll(testDevice);
  for (const act of ['linear', 'relu', 'tanh', 'softsign'])
    it(`act=${act}, odd sizes`, async () => {
      const [B, I, O] = [3, 7, 5];
      const layer = new Dense({ units: O, activation: act });
      const model = new Sequential([layer], { inputShape: [I] });
      const w = randomArray(I * O, 1), b = randomArray(O, 2), x = randomArray(B * I, 3), dy = randomArray(B * O, 4);
      layer.kernel.assign(Float32Array.from(w));
      layer.bias!.assign(Float32Array.from(b));
      const out = tidy(() => {
        const y = model.call([upload(x, [B, I])], { training: true });
        const loss = sum(mul(y, upload(dy, [B, O])));
        const yData = y.data();
        backward(loss);
        return yData;
      });
      expectClose(await out, refDense(x, w, b, B, I, O, act), 1e-5, 'forward');
      const gw = numericGrad((ww) => refDense(x, ww, b, B, I, O, act), w, dy);
      const gb = numericGrad((bb) => refDense(x, w, bb, B, I, O, act), b, dy);
      expectClose(await layer.kernel.grad!.data(), gw, 1e-4, 'dW');
      expectClose(await layer.bias!.grad!.data(), gb, 1e-4, 'db');
      expect(layer.kernel.grad!.shape).toEqual([I, O]);
    });

  it('frozen layer records nothing', async () => {
    const layer = new Dense({ units: 4, trainable: false });
    const model = new Sequential([layer], { inputShape: [3] });
    const y = tidy(() => model.call([upload(randomArray(6, 5), [2, 3])], { training: true }));
    expect(y.node).toBeNull();
    expect(() => backward(y)).toThrow(/does not depend on any trainable/);
    y.dispose();
    expect(Tensor).toBeDefined();
  });
});
