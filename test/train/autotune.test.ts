// autotuneModel tunes the passes a training step runs: forward below the cut, plus the filter
// gradient where a layer trains and the input gradient where something below it trains.
import { describe, it, beforeAll, expect } from 'vitest';
import { testDevice } from '../helpers/gpu.ts';
import type { Device } from '../../src/gpu/device.ts';
import { Input, Model } from '../../src/graph/model.ts';
import { Conv2D } from '../../src/graph/layers/conv2d.ts';
import { Flatten } from '../../src/graph/layers/flatten.ts';
import { Dense } from '../../src/graph/layers/dense.ts';
import { memoryTuningStore, setTuningStore } from '../../src/kernels/tuning.ts';
import { autotuneModel } from '../../src/train/autotune.ts';

describe('autotuneModel', () => {
  let device: Device;
  beforeAll(async () => {
    device = await testDevice();
  });

  it('tunes forward for frozen layers and the gradients a step needs for the rest', async () => {
    const input = Input([9, 9, 8]);
    const conv = (name: string, trainable: boolean) => new Conv2D({ filters: 4, kernelSize: [3, 3], padding: 'same', activation: 'relu', name, trainable });
    let x = conv('c1', false).apply(input);
    x = conv('c2', true).apply(x);
    x = conv('c3', true).apply(x);
    x = new Dense({ units: 2, name: 'out' }).apply(new Flatten({ name: 'flat' }).apply(x));
    const model = new Model({ inputs: input, outputs: x });
    const store = memoryTuningStore();
    setTuningStore(device, store);
    try {
      const reports = await autotuneModel(model, 2);
      const ops = reports.map((r) => r.key.split(':')[0].split(' ').pop());
      // c1 (8 -> 4, frozen): forward (channels per thread, then the tile); c2 reads the cut:
      // forward + wgrad; c3 has c2's geometry, whose forward and wgrad are stored, so only its
      // stride-1 dgrad is new: its forward path has that same geometry (4 -> 4, same), stored,
      // so the dgrad kernels (channels per thread, then the tile), then the faster path.
      expect(ops).toEqual(['conv2d_oq', 'conv2d', 'conv2d_oq', 'conv2d', 'conv2d_wgrad', 'conv2d_dgrad_cq', 'conv2d_dgrad', 'conv2d_dgrad_path']);
      expect(reports[0].key).toContain('x8>4');
      expect(store.entries.size).toBe(8);
      expect(await autotuneModel(model, 2)).toEqual([]);
    } finally {
      setTuningStore(device, null);
      model.dispose();
    }
  });
});
