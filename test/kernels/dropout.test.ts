import { describe, it, beforeAll, expect } from 'vitest';
import { testDevice, upload } from '../helpers/gpu.ts';
import { randomArray } from '../helpers/random.ts';
import { dropout } from '../../src/graph/ops/dropout.ts';
import { backward } from '../../src/graph/tape.ts';
import { tidy } from '../../src/graph/scope.ts';
import { mul } from '../../src/graph/ops/arith.ts';
import { sum } from '../../src/graph/ops/reduce.ts';
import { Variable } from '../../src/graph/tensor.ts';

describe('dropout kernel', () => {
  beforeAll(testDevice);

  it('drops about `rate` of the elements, scales the rest by 1/(1-rate), and the backward uses the same mask', async () => {
    const n = 4001;
    const x = randomArray(n, 1, 0.5, 1.5);
    const dy = randomArray(n, 2, 0.5, 1.5);
    const v = Variable.create(Float32Array.from(x), [n], 'x');
    const y = await tidy(() => {
      const out = dropout(v, { rate: 0.3, seed: 1234 });
      const d = out.data();
      backward(sum(mul(out, upload(dy, [n]))));
      return d;
    });
    const g = await v.grad!.data();
    let dropped = 0;
    for (let i = 0; i < n; i++) {
      if (y[i] === 0) {
        dropped++;
        expect(g[i]).toBe(0);
      } else {
        expect(y[i]).toBeCloseTo(x[i] / 0.7, 5);
        expect(g[i]).toBeCloseTo(dy[i] / 0.7, 5);
      }
    }
    expect(dropped / n).toBeGreaterThan(0.26);
    expect(dropped / n).toBeLessThan(0.34);
    v.dispose();
  });

  it('different seeds give different masks, the same seed the same mask', async () => {
    const x = upload(randomArray(512, 3, 0.5, 1.5), [512]);
    const [a, b, c] = await Promise.all(tidy(() => [1, 2, 1].map((seed) => dropout(x, { rate: 0.5, seed }).data())));
    expect(Array.from(a)).toEqual(Array.from(c));
    expect(Array.from(a)).not.toEqual(Array.from(b));
    x.dispose();
  });

  it('spatial dropout drops whole channels per batch item', async () => {
    const [n, h, w, c] = [3, 4, 5, 16];
    const x = upload(randomArray(n * h * w * c, 4, 0.5, 1.5), [n, h, w, c]);
    const y = await tidy(() => dropout(x, { rate: 0.5, seed: 99, spatial: true }).data());
    let droppedChannels = 0;
    for (let b = 0; b < n; b++)
      for (let k = 0; k < c; k++) {
        const zeros = [];
        for (let i = 0; i < h * w; i++) zeros.push(y[(b * h * w + i) * c + k] === 0);
        expect(new Set(zeros).size).toBe(1);
        if (zeros[0]) droppedChannels++;
      }
    expect(droppedChannels).toBeGreaterThan(8);
    expect(droppedChannels).toBeLessThan(40);
    x.dispose();
  });
});
