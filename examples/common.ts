// What the five recipes share: command-line switches, Fashion-MNIST written as image folders
// (PNG), the pretrained stand-ins of ../shared/fixtures loaded into zoo architectures at any input
// size, weight snapshots (frozen weights bit-identical, trainable ones changed), and a summary.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { initNode } from '../src/node/dawn.ts';
import { deviceLine } from '../src/cli/train-setup.ts';
import { fashionArrays, fashionDir, FASHION_CLASSES } from '../src/cli/fashion-link.ts';
import { imagenetWeightFile, parseTfjsJson, readTfjsWeights, type Model, type Device, type Layer } from '../src/index.ts';
import { kerasHome } from '../src/node/download.ts';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { loadWeights, type LoadReport } from '../src/graph/load-weights.ts';

export const FIXTURES = process.env.WGFT_FIXTURES ?? '../shared/fixtures';
export const NSFW_INCEPTION = join(FIXTURES, 'tfjs/nsfwjs_inception_v3/model.json');
export const NSFW_MOBILENET_V2 = join(FIXTURES, 'tfjs/nsfwjs_mobilenet_v2/model.json');
export const MOBILENET_025 = join(FIXTURES, 'tfjs/mobilenet_v1_0.25_224/model.json');
export const RESNET29 = join(FIXTURES, 'mxnet/pydmobilenet/cifar10_resnet29-symbol.json');
export { FASHION_CLASSES };

/** True when the Fashion-MNIST IDX files can be found. */
export function haveFashion(): boolean {
  try {
    fashionDir();
    return true;
  } catch {
    return false;
  }
}

/** `--full`, `--out DIR`, `--key value` switches of an example. */
export function cliArgs(argv = process.argv.slice(2)): { full: boolean; out?: string; get(k: string): string | undefined } {
  const get = (k: string) => {
    const i = argv.indexOf(`--${k}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  return { full: argv.includes('--full'), out: get('out'), get };
}

/** Runs `main` when the file is executed directly (node --import tsx examples/NN-*.ts). */
export function isMain(url: string): boolean {
  return !!process.argv[1] && url === pathToFileURL(resolve(process.argv[1])).href;
}

export async function device(log: (s: string) => void = console.log): Promise<{ device: Device; line: string }> {
  const d = await initNode();
  const line = deviceLine(d);
  log(`device: ${line}`);
  return { device: d, line };
}

/**
 * Writes Fashion-MNIST classes as an image folder `root/<class>/<n>.png` (the layout of Keras's
 * flow_from_directory / Gluon's ImageFolderDataset), `perClass` images each from `skip` on.
 * Grayscale 28x28 PNGs; returns the class folder names. Files already there are kept.
 */
export function writeFashionFolder(root: string, classes: number[], perClass: number, opts: { split?: 'train' | 't10k'; skip?: number; names?: string[] } = {}): string[] {
  const { x, labels } = fashionArrays(opts.split ?? 'train');
  const names = opts.names ?? classes.map((c) => FASHION_CLASSES[c].toLowerCase().replace(/[^a-z]+/g, '_'));
  const counts = classes.map(() => 0);
  const seen = classes.map(() => 0);
  classes.forEach((_, i) => mkdirSync(join(root, names[i]), { recursive: true }));
  for (let s = 0; s < labels.length && counts.some((c) => c < perClass); s++) {
    const k = classes.indexOf(labels[s]);
    if (k < 0 || counts[k] >= perClass) continue;
    if (seen[k]++ < (opts.skip ?? 0)) continue;
    const file = join(root, names[k], `${String(counts[k]).padStart(4, '0')}.png`);
    counts[k]++;
    if (existsSync(file)) continue;
    const png = new PNG({ width: 28, height: 28, colorType: 0, inputColorType: 0, inputHasAlpha: false });
    const px = x.subarray(s * 784, (s + 1) * 784);
    png.data = Buffer.from(Uint8Array.from(px, (v) => Math.round(v * 255)));
    writeFileSync(file, PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false }));
  }
  return names;
}

/**
 * A trained Keras model of the tfjs fixtures (the nsfwjs InceptionV3 / MobileNetV2 tops are a
 * 5-class head) loaded by name into `model` (a zoo architecture built at any input size): its
 * convolutional weights are size-independent. Weights of `model` the file lacks keep their values.
 */
export async function loadTfjsInto(model: Model, jsonPath: string): Promise<LoadReport> {
  const j = parseTfjsJson(readFileSync(jsonPath), jsonPath);
  const dir = jsonPath.replace(/[^/]*$/, '');
  const named = await readTfjsWeights(j, async (p) => new Uint8Array(readFileSync(join(dir, p))), jsonPath);
  return loadWeights(model, named, { allowMissing: true }, jsonPath);
}

/** Host copies of every weight, by name. */
export async function snapshot(model: Model): Promise<Map<string, Float32Array>> {
  const m = new Map<string, Float32Array>();
  for (const v of model.weights) m.set(v.name, await v.data());
  return m;
}

/** Weight names of the frozen layers (trainable = false), nested models followed. */
export function frozenWeightNames(model: Model): Set<string> {
  const out = new Set<string>();
  const walk = (layers: Layer[]) => {
    for (const l of layers) {
      const sub = (l as Model).layers;
      if (sub && l !== (model as Layer)) walk(sub);
      else if (!l.trainable) for (const v of l.weights) out.add(v.name);
    }
  };
  walk(model.layers);
  return out;
}

/**
 * Compares a snapshot with the weights now: every weight of a frozen layer must be bit-identical
 * (a frozen BatchNormalization's moving statistics included), every trainable weight must have
 * moved. Moving statistics of trainable BatchNormalization layers may change and are not counted.
 */
export async function weightChanges(model: Model, before: Map<string, Float32Array>): Promise<{ frozenSame: number; frozenChanged: string[]; trainableChanged: number; trainableSame: string[] }> {
  const after = await snapshot(model);
  const trainable = new Set(model.trainableWeights.map((v) => v.name));
  const frozen = frozenWeightNames(model);
  const r = { frozenSame: 0, frozenChanged: [] as string[], trainableChanged: 0, trainableSame: [] as string[] };
  for (const [name, a] of after) {
    const b = before.get(name)!;
    const same = a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
    if (trainable.has(name)) same ? r.trainableSame.push(name) : r.trainableChanged++;
    else if (frozen.has(name)) same ? r.frozenSame++ : r.frozenChanged.push(name);
  }
  return r;
}

export function writeJson(path: string, v: unknown): void {
  mkdirSync(path.replace(/[^/]*$/, '') || '.', { recursive: true });
  writeFileSync(path, JSON.stringify(v, null, 2) + '\n');
}

export const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
export const secs = (t0: number) => (performance.now() - t0) / 1000;

/**
 * The keras.applications ImageNet weight file of a zoo model in the Keras cache
 * ($KERAS_HOME/models or ~/.keras/models), or null with the line telling where to put it.
 */
export function kerasCacheWeights(id: string, includeTop: boolean): { path: string | null; hint: string } {
  const f = imagenetWeightFile(id, { includeTop });
  const path = join(kerasHome(), 'models', f.fileName);
  if (existsSync(path)) return { path, hint: '' };
  return { path: null, hint: `no ${f.fileName} in the Keras cache: download ${f.url} to ${path} (or run Keras once, or set KERAS_HOME) for the pretrained run` };
}
