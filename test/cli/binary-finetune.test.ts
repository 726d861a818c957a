// A 2-class fine-tune with a sigmoid head (Dense 1 sigmoid) and binary cross-entropy on two
// Fashion-MNIST classes written as PNG folders: `predict` prints the folder names (saved inside
// the model: the .h5 `class_names` attribute, tfjs userDefinedMetadata), `evaluate` prints the
// confusion matrix, and `export --format tfjs --quantize uint8` keeps the names.
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { testDevice } from '../helpers/gpu.ts';
import { LAYER_CLASSES } from '../../src/graph/layers/registry.ts';
import { Sequential } from '../../src/graph/model.ts';
import { setSeed } from '../../src/graph/initializers.ts';
import { saveKerasH5 } from '../../src/loaders/keras/save.ts';
import { parseIdx } from '../../src/train/data/idx.ts';

const FASHION = '/usr/share/datasets/fashion-mnist';
const wgft = (args: string[]) =>
  execFileSync(process.execPath, ['bin/wgft.js', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 280_000 });

describe.skipIf(!existsSync(join(FASHION, 'train-images-idx3-ubyte.gz')))('binary fine-tune on two Fashion-MNIST classes (needs dataset-fashion-mnist)', () => {
  let dir = '';
  const PER_CLASS = 40;
  beforeAll(async () => {
    await testDevice();
    dir = mkdtempSync(join(tmpdir(), 'wgft-bin-'));
    const images = parseIdx(gunzipSync(readFileSync(join(FASHION, 'train-images-idx3-ubyte.gz'))), 'images');
    const labels = parseIdx(gunzipSync(readFileSync(join(FASHION, 'train-labels-idx1-ubyte.gz'))), 'labels');
    // Fashion-MNIST classes 1 (trouser) and 8 (bag): folders sort as bag = 0, trouser = 1.
    for (const [cls, name] of [[1, 'trouser'], [8, 'bag']] as const) {
      mkdirSync(join(dir, 'imgs', name), { recursive: true });
      let k = 0;
      for (let i = 0; k < PER_CLASS; i++) {
        if (labels.data[i] !== cls) continue;
        const png = new PNG({ width: 28, height: 28, colorType: 0 });
        for (let p = 0; p < 784; p++) {
          const v = images.data[i * 784 + p];
          png.data.set([v, v, v, 255], p * 4);
        }
        writeFileSync(join(dir, 'imgs', name, `${k++}.png`), PNG.sync.write(png));
      }
    }
    setSeed(3);
    const L = (c: string, cfg: Record<string, unknown>) => LAYER_CLASSES[c]({ trainable: true, ...cfg });
    const m = new Sequential(
      [
        L('Conv2D', { name: 'conv', filters: 6, kernel_size: [3, 3], strides: [2, 2], padding: 'same', activation: 'relu', use_bias: true }),
        L('MaxPooling2D', { name: 'pool', pool_size: [2, 2], strides: [2, 2], padding: 'valid' }),
        L('Flatten', { name: 'flatten' }),
        L('Dense', { name: 'old_top', units: 10, activation: 'softmax', use_bias: true }),
      ],
      { inputShape: [28, 28, 3], name: 'base' },
    );
    writeFileSync(join(dir, 'base.h5'), await saveKerasH5(m));
  }, 120_000);

  it('sigmoid head + binary_crossentropy; predict prints folder names; evaluate prints the confusion matrix; tfjs export keeps them', () => {
    const out = join(dir, 'out');
    const ft = wgft([
      'finetune', '--model', join(dir, 'base.h5'), '--cut', 'flatten', '--head', 'dense:1:sigmoid', '--loss', 'binary_crossentropy',
      '--data', join(dir, 'imgs'), '--preprocess', 'tf', '--freeze', 'none', '--epochs', '4', '--batch-size', '8', '--lr', '0.01',
      '--validation-split', '0.25', '--json', '--no-plots', '--out', out,
    ]);
    const epochs = ft.trim().split('\n').map((l) => JSON.parse(l));
    expect(epochs.length).toBe(4);
    expect(epochs.at(-1).loss).toBeLessThan(epochs[0].loss);
    expect(existsSync(join(out, 'model.h5'))).toBe(true);
    // The names must come from inside the model, not from the sidecar files.
    for (const f of ['model.classes.json', 'classes.json']) rmSync(join(out, f), { force: true });

    const imgs = ['bag/0.png', 'trouser/0.png', 'bag/39.png', 'trouser/39.png'].map((p) => join(dir, 'imgs', p));
    const pred = JSON.parse(wgft(['predict', '--model', join(out, 'model.h5'), '--top', '1', '--json', ...imgs]));
    const top = pred.map((r: { top: { label: string }[] }) => r.top[0].label);
    for (const l of top) expect(['bag', 'trouser']).toContain(l);
    expect(top.filter((l: string, i: number) => l === (i % 2 ? 'trouser' : 'bag')).length).toBeGreaterThanOrEqual(3);
    const text = wgft(['predict', '--model', join(out, 'model.h5'), '--top', '2', imgs[1]]);
    expect(text).toMatch(/trouser/);
    expect(text).toMatch(/bag/);

    const ev = wgft(['evaluate', '--model', join(out, 'model.h5'), '--data', join(dir, 'imgs'), '--preprocess', 'tf']);
    expect(ev).toMatch(/bag/);
    expect(ev).toMatch(/trouser/);
    expect(ev.toLowerCase()).toMatch(/confusion/);
    const evj = JSON.parse(wgft(['evaluate', '--model', join(out, 'model.h5'), '--data', join(dir, 'imgs'), '--preprocess', 'tf', '--json']).trim().split('\n').at(-1)!);
    expect(evj.classes.map((c: { name: string }) => c.name)).toEqual(['bag', 'trouser']);
    expect(evj.confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(2 * PER_CLASS);
    expect(evj.accuracy).toBeGreaterThanOrEqual(0.8);

    const tfjsDir = join(dir, 'tfjs');
    wgft(['export', '--model', join(out, 'model.h5'), '--format', 'tfjs', '--quantize', 'uint8', '--out', tfjsDir]);
    const j = JSON.parse(readFileSync(join(tfjsDir, 'model.json'), 'utf8'));
    expect(j.userDefinedMetadata.classNames).toEqual(['bag', 'trouser']);
    expect(j.weightsManifest[0].weights.every((w: { quantization?: { dtype: string } }) => w.quantization?.dtype === 'uint8')).toBe(true);
    const pj = JSON.parse(wgft(['predict', '--model', join(tfjsDir, 'model.json'), '--top', '1', '--json', imgs[1]]));
    expect(['bag', 'trouser']).toContain(pj[0].top[0].label);
  }, 600_000);

  it('--augment puts Keras augmentation layers in front, turns the bottleneck cache off with a notice, and saves them', () => {
    const out = join(dir, 'out-aug');
    const r = spawnSync(process.execPath, [
      'bin/wgft.js', 'finetune', '--model', join(dir, 'base.h5'), '--cut', 'flatten', '--head', 'dense:1:sigmoid',
      '--augment', 'flip,rotation:0.05,zoom:0.1,translation:0.1,contrast:0.2,brightness:0.1',
      '--data', join(dir, 'imgs'), '--preprocess', 'tf', '--freeze', 'all', '--epochs', '2', '--batch-size', '16', '--lr', '0.01',
      '--validation-split', '0.25', '--json', '--no-plots', '--out', out,
    ], { encoding: 'utf8', timeout: 280_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n').map((l) => JSON.parse(l).epoch)).toEqual([1, 2]);
    expect(r.stderr).toMatch(/bottleneck cache off: .*\(RandomFlip\)/);
    const summary = JSON.parse(wgft(['inspect', join(out, 'model.h5'), '--json']));
    const classes = summary.layers.map((l: { class: string }) => l.class);
    for (const c of ['RandomFlip', 'RandomRotation', 'RandomZoom', 'RandomTranslation', 'RandomContrast', 'RandomBrightness']) expect(classes).toContain(c);
    const pred = JSON.parse(wgft(['predict', '--model', join(out, 'model.h5'), '--top', '1', '--json', join(dir, 'imgs', 'bag', '1.png')]));
    expect(['bag', 'trouser']).toContain(pred[0].top[0].label);
  }, 600_000);
});
