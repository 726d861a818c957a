// Axis permutation against numpy.transpose semantics, ranks 1..6, and its gradient.
import { describe, it, beforeAll, expect } from 'vitest';
import { testDevice, upload } from '../helpers/gpu.ts';
import { randomArray, rng } from '../helpers/random.ts';
import { expectClose } from '../helpers/compare.ts';
import { refTranspose } from '../helpers/conv-ref.ts';
import { transpose as transposeKernel } from '../../src/kernels/transpose.ts';
import { transpose } from '../../src/graph/ops/transpose.ts';
import { backward } from '../../src/graph/tape.ts';
import { tidy } from '../../src/graph/scope.ts';
import { mul } from '../../src/graph/ops/arith.ts';
import { sum } from '../../src/graph/ops/reduce.ts';
import { Variable } from '../../src/graph/tensor.ts';

function shuffle(n: number, r: () => number): number[] {
  const p = [...Array(n).keys()];
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

describe('transpose', () => {
  beforeAll(testDevice);
  for (let rank = 1; rank <= 6; rank++)
    it(`rank ${rank}, random permutations`, async () => {
      const r = rng(rank * 17);
      for (let t = 0; t < 3; t++) {
        const shape = Array.from({ length: rank }, () => 1 + Math.floor(r() * (rank > 4 ? 3 : 5)));
        const perm = shuffle(rank, r);
        const x = randomArray(shape.reduce((a, b) => a * b, 1), rank * 10 + t);
        const ours = await tidy(() => transposeKernel(upload(x, shape), perm)).data();
        expectClose(ours, refTranspose(x, shape, perm), 0, `transpose ${shape} [${perm}]`);
      }
    });

  it('NCHW <-> NHWC and its gradient', async () => {
    const shape = [2, 3, 5, 7];
    const x = randomArray(210, 5), dy = randomArray(210, 6);
    const xv = Variable.create(Float32Array.from(x), shape, 'x');
    const y = tidy(() => {
      const t = transpose(xv, [0, 2, 3, 1]);
      const out = t.data();
      backward(sum(mul(t, upload(dy, [2, 5, 7, 3]))));
      return out;
    });
    expectClose(await y, refTranspose(x, shape, [0, 2, 3, 1]), 0, 'forward');
    // d/dx sum(T(x) * dy) = T^-1(dy).
    expectClose(await xv.grad!.data(), refTranspose(dy, [2, 5, 7, 3], [0, 3, 1, 2]), 0, 'grad');
    xv.zeroGrad();
    xv.dispose();
  });

  it('rejects a bad permutation', () => {
    expect(() => transposeKernel(upload(randomArray(6, 1), [2, 3]), [0, 0])).toThrow(/not a permutation/);
  });
});
