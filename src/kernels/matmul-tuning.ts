// The matmul autotuner: for one A [M,K] x B [K,N] product of the tiled (NN) kernel, times every
// register block the device is offered (matmulTiles: MATMUL_TILES on CPU adapters) on random data and stores the fastest under the device's
// TuningStore, where matmul() looks it up (tunedMatmulTile).
import { matmul, MATMUL_TILES, matmulTiles, tileName, tunedMatmulTile } from './matmul.ts';
import { matmulKey, pickFastest, randomInput as random, tuningStore } from './tuning.ts';
import type { TuneReport } from './conv-tuning.ts';

/**
 * Tunes the NN product M x K x N unless a choice is stored (always with `force`). Only shapes the
 * tiled kernel runs (K and N multiples of 4) have a choice; others return no report. Needs a
 * store on the device (setTuningStore).
 */
export async function tuneMatmul(M: number, K: number, N: number, force = false): Promise<TuneReport[]> {
  if (K % 4 || N % 4) return [];
  const a = random([M, K]);
  const store = tuningStore(a.device);
  if (!store) {
    a.dispose();
    throw new Error('tuneMatmul: no tuning store on this device (setTuningStore)');
  }
  const key = matmulKey(M, K, N);
  if (!force && tunedMatmulTile(a.device, M, K, N)) {
    a.dispose();
    return [];
  }
  const b = random([K, N]);
  try {
    const { best, ms } = await pickFastest(a.device, matmulTiles(a.device), (tile) => matmul(a, b, { tile }));
    store.set(key, tileName(best));
    return [{ key, choice: MATMUL_TILES.indexOf(best), ms }];
  } finally {
    a.dispose();
    b.dispose();
  }
}
