// The on-disk tuning cache: one JSON file per adapter, read back by a new store.
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testDevice } from '../helpers/gpu.ts';
import type { Device } from '../../src/gpu/device.ts';
import { attachTuningCache, fileTuningStore, tuningCacheFile } from '../../src/node/tuning-cache.ts';
import { setTuningStore, tuningStore } from '../../src/kernels/tuning.ts';

describe('tuning cache on disk', () => {
  let device: Device;
  beforeAll(async () => {
    device = await testDevice();
  });

  it('writes choices and reads them back in a new store', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'wgft-tune-')), 'sub', 'a.json');
    const s = fileTuningStore(file);
    expect(s.get('k')).toBeUndefined();
    s.set('k', '{"PX":8}');
    s.set('j', '2');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ k: '{"PX":8}', j: '2' });
    expect(fileTuningStore(file).get('k')).toBe('{"PX":8}');
  });

  it('starts empty from a corrupt file', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'wgft-tune-')), 'bad.json');
    writeFileSync(file, '{not json');
    expect(fileTuningStore(file).get('k')).toBeUndefined();
  });

  it('names the file after the adapter and attaches it to the device', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wgft-tune-'));
    const file = attachTuningCache(device, dir);
    try {
      expect(file).toBe(tuningCacheFile(device, dir));
      expect(file).toContain(device.adapter.backend.toLowerCase());
      expect(tuningStore(device)).not.toBeNull();
    } finally {
      setTuningStore(device, null);
    }
  });
});
