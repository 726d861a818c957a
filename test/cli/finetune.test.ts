// CLI smoke test: `wgft finetune --json` on a tiny image folder, then `--resume`, then `wgft evaluate`.
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { testDevice } from '../helpers/gpu.ts';
import { LAYER_CLASSES } from '../../src/graph/layers/registry.ts';
import { Sequential } from '../../src/graph/model.ts';
import { setSeed } from '../../src/graph/initializers.ts';
import { saveKerasH5 } from '../../src/loaders/keras/save.ts';
import { rng } from '../helpers/random.ts';

const wgft = (args: string[]) =>
  execFileSync(process.execPath, ['bin/wgft.js', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 240_000 });

describe('wgft finetune / evaluate', () => {
  let dir = '';
  beforeAll(async () => {
    await testDevice();
    dir = mkdtempSync(join(tmpdir(), 'wgft-ft-'));
    // Two classes of 12x12 images: bright top half vs bright bottom half, with noise.
    const r = rng(4);
    for (const [cls, top] of [['bottom', false], ['top', true]] as const) {
      mkdirSync(join(dir, 'imgs', cls), { recursive: true });
      for (let i = 0; i < 10; i++) {
        const png = new PNG({ width: 12, height: 12 });
        for (let y = 0; y < 12; y++)
          for (let x = 0; x < 12; x++) {
            const on = y < 6 === top;
            const v = Math.round(Math.min(255, Math.max(0, (on ? 200 : 40) + (r() - 0.5) * 60)));
            png.data.set([v, v, v, 255], (y * 12 + x) * 4);
          }
        writeFileSync(join(dir, 'imgs', cls, `${i}.png`), PNG.sync.write(png));
      }
    }
    setSeed(1);
    const L = (c: string, cfg: Record<string, unknown>) => LAYER_CLASSES[c]({ trainable: true, ...cfg });
    const m = new Sequential(
      [
        L('Conv2D', { name: 'conv', filters: 4, kernel_size: [3, 3], strides: [1, 1], padding: 'same', data_format: 'channels_last', dilation_rate: [1, 1], activation: 'relu', use_bias: true }),
        L('MaxPooling2D', { name: 'pool', pool_size: [2, 2], strides: [2, 2], padding: 'valid', data_format: 'channels_last' }),
        L('Flatten', { name: 'flatten', data_format: 'channels_last' }),
        L('Dense', { name: 'old_top', units: 5, activation: 'softmax', use_bias: true }),
      ],
      { inputShape: [12, 12, 3], name: 'tiny' },
    );
    writeFileSync(join(dir, 'tiny.h5'), await saveKerasH5(m));
  }, 60_000);

  it('prints one JSON object per epoch and writes model, history, plots and a checkpoint; --resume continues', () => {
    const out = join(dir, 'out');
    const common = ['--model', join(dir, 'tiny.h5'), '--cut', 'flatten', '--head', 'dense:8:relu,dense:CLASSES:softmax', '--data', join(dir, 'imgs')];
    const run1 = wgft(['finetune', ...common, '--freeze', 'all', '--epochs', '2', '--batch-size', '4', '--validation-split', '0.25', '--lr', '0.01', '--json', '--out', out]);
    const lines = run1.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.epoch)).toEqual([1, 2]);
    for (const l of lines) for (const k of ['loss', 'accuracy', 'val_loss', 'val_accuracy', 'seconds', 'samples_per_second']) expect(typeof l[k], k).toBe('number');
    for (const f of ['model.h5', 'history.json', 'history.csv', 'loss.svg', 'loss.png', 'accuracy.png', 'checkpoint.wgft', 'log.csv', 'log.jsonl', 'classes.json']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    const h = JSON.parse(readFileSync(join(out, 'history.json'), 'utf8'));
    expect(h.history.val_accuracy.length).toBe(2);
    expect(JSON.parse(readFileSync(join(out, 'classes.json'), 'utf8'))).toEqual(['bottom', 'top']);

    const run2 = wgft(['finetune', ...common, '--freeze', 'all', '--epochs', '3', '--batch-size', '4', '--validation-split', '0.25', '--lr', '0.01', '--json', '--out', out, '--resume']);
    const l2 = run2.trim().split('\n').map((l) => JSON.parse(l));
    expect(l2.map((l) => l.epoch)).toEqual([3]);
    const h2 = JSON.parse(readFileSync(join(out, 'history.json'), 'utf8'));
    expect(h2.epoch).toEqual([0, 1, 2]);

    const ev = JSON.parse(wgft(['evaluate', '--model', join(out, 'model.h5'), '--data', join(dir, 'imgs'), '--json']).trim().split('\n').at(-1)!);
    expect(ev.samples).toBe(20);
    expect(ev.confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(20);
    expect(ev.classes.map((c: { name: string }) => c.name)).toEqual(['bottom', 'top']);
    expect(ev.accuracy).toBeGreaterThanOrEqual(0);
  }, 300_000);
});
