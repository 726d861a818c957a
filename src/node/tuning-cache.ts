// The autotuner's choices on disk: one JSON file per adapter under $WGFT_CACHE (default
// ~/.cache/webgpu-finetune)/tuning/, read once and rewritten after each new choice.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Device } from '../gpu/device.ts';
import { setTuningStore, type TuningStore } from '../kernels/tuning.ts';

export function tuningCacheDir(): string {
  return join(process.env.WGFT_CACHE || join(homedir(), '.cache', 'webgpu-finetune'), 'tuning');
}

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'adapter';

/** The file holding `device`'s choices: adapter description, backend and feature level. */
export function tuningCacheFile(device: Device, dir = tuningCacheDir()): string {
  const a = device.adapter;
  return join(dir, `${slug(`${a.vendor} ${a.architecture} ${a.description} ${a.backend} ${a.featureLevel}`)}.json`);
}

/** A store backed by a JSON file (a corrupt or unreadable file starts empty). */
export function fileTuningStore(file: string): TuningStore {
  let entries: Record<string, string> = {};
  try {
    if (existsSync(file)) entries = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
  } catch {
    entries = {};
  }
  return {
    get: (k) => entries[k],
    set(k, v) {
      entries[k] = v;
      try {
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(`${file}.tmp`, JSON.stringify(entries, null, 1) + '\n');
        renameSync(`${file}.tmp`, file);
      } catch {
        // A read-only cache still works for this process.
      }
    },
  };
}

/** Attaches the adapter's on-disk tuning cache to `device`; returns the file. */
export function attachTuningCache(device: Device, dir?: string): string {
  const file = tuningCacheFile(device, dir);
  setTuningStore(device, fileTuningStore(file));
  return file;
}
