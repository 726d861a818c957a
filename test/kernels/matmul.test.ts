import { describe, it, beforeAll } from 'vitest';
import { testDevice, upload } from '../helpers/gpu.ts';
import { randomArray } from '../helpers/random.ts';
import { expectClose } from '../helpers/compare.ts';
import { refMatmul } from '../helpers/matmul-ref.ts';
import { matmul, matmulVariants } from '../../src/kernels/matmul.ts';
import { tidy } from '../../src/graph/scope.ts';


describe('matmul', () => {
  beforeAll(testDevice);
  const cases: [number, number, number][] = [[1, 1, 1], [5, 7, 3], [33, 17, 65], [64, 64, 64], [3, 129, 10], [12, 8, 20], [36, 44, 4], [7, 16, 9]];
  for (const scalar of [false, true])
  for (const [M, K, N] of cases)
    for (const tA of [false, true])
      for (const tB of [false, true])
        it(`${M}x${K}x${N} tA=${tA} tB=${tB}${scalar ? ' scalar' : ''}`, async () => {
          matmulVariants.forceScalar = scalar;
          const a = randomArray(M * K, M * 7 + K);
          const b = randomArray(K * N, N * 3 + 1);
          const bias = randomArray(N, 99);
          const relu = tA !== tB;
          const ours = await tidy(() => matmul(upload(a, tA ? [K, M] : [M, K]), upload(b, tB ? [N, K] : [K, N]), {
            transposeA: tA, transposeB: tB, bias: upload(bias, [N]), activation: relu ? 'relu' : 'linear',
          })).data();
          expectClose(ours, refMatmul(a, b, M, K, N, tA, tB, bias, relu), 1e-5, 'matmul');
        });
});
