import { describe, it, beforeAll } from 'vitest';
import { testDevice, upload } from '../helpers/gpu.ts';
import { randomArray } from '../helpers/random.ts';
import { expectClose } from '../helpers/compare.ts';
import { refMatmul } from '../helpers/matmul-ref.ts';
import { matmul, matmulTile, matmulVariants, MATMUL_TILES, tileName } from '../../src/kernels/matmul.ts';
import { expect } from 'vitest';
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

  // Every register block of the NN kernel (the autotuner may pick any), on sizes that leave
  // partial blocks in both directions (M not a multiple of TM x 8, N of 4 x TN x 8).
  for (const tile of MATMUL_TILES)
    for (const [M, K, N] of [[37, 36, 44], [300, 20, 268], [5, 8, 4]] as const)
      it(`tiled ${tileName(tile)} ${M}x${K}x${N}`, async () => {
        matmulVariants.forceScalar = false;
        const a = randomArray(M * K, M + 5 * K);
        const b = randomArray(K * N, N + 11);
        const bias = randomArray(N, 42);
        const ours = await tidy(() => matmul(upload(a, [M, K]), upload(b, [K, N]), { bias: upload(bias, [N]), activation: 'relu', tile })).data();
        expectClose(ours, refMatmul(a, b, M, K, N, false, false, bias, true), 1e-5, `tiled ${tileName(tile)}`);
      });

  it('rejects a register block that is not one of MATMUL_TILES', () => {
    expect(() => tidy(() => matmul(upload(randomArray(64, 1), [8, 8]), upload(randomArray(64, 2), [8, 8]), { tile: { TM: 4, TN: 1 } })))
      .toThrow(/tile 4x4 is not one of 8x8, 16x16, 32x32/);
  });

  it('picks 8x8 blocks on GPUs and the largest block that fills two workgroups on CPU adapters', async () => {
    const device = await testDevice();
    const soft = device.isSoftware;
    expect(tileName(matmulTile(device, 1024, 1024))).toBe(soft ? '32x32' : '8x8');
    expect(tileName(matmulTile(device, 256, 256))).toBe(soft ? '16x16' : '8x8');
    expect(tileName(matmulTile(device, 8, 256))).toBe('8x8');
  });
});
