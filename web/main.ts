// The browser page: load a Keras .h5 or tfjs model, drop class folders of images, fine-tune a head
// with a live chart, predict with top-k labels, download the result as .h5. The engine is the same
// core as in Node (same WGSL); only the edges differ: navigator.gpu, File/Blob, createImageBitmap.
// window.wgft exposes the same actions to tests (test/web/page.test.ts).
import { initBrowser } from '../src/browser.ts';
import type { Device } from '../src/gpu/device.ts';
import type { Model } from '../src/graph/model.ts';
import { Tensor } from '../src/graph/tensor.ts';
import { tidy } from '../src/graph/scope.ts';
import { noGrad } from '../src/graph/tape.ts';
import { blobSource } from '../src/loaders/byte-source.ts';
import { loadKerasModel } from '../src/loaders/keras/load.ts';
import { saveKerasH5 } from '../src/loaders/keras/save.ts';
import { loadTfjsLayers, parseTfjsJson } from '../src/loaders/tfjs-layers.ts';
import { crop, preprocessImage, type Image, type PreprocessMode } from '../src/train/data/preprocess.ts';
import { imagenetLabelsFor, topK } from '../src/train/data/imagenet-labels.ts';
import { compile, type DataSource, type History, type Trainer } from '../src/train/fit.ts';
import { addHead } from '../src/train/head.ts';
import { freeze } from '../src/train/freeze.ts';
import { getLoss } from '../src/train/losses.ts';
import { getMetric } from '../src/train/metrics.ts';
import { getOptimizer } from '../src/train/optimizers/index.ts';
import { LambdaCallback } from '../src/train/callbacks/index.ts';
import { matmulVariants } from '../src/kernels/matmul.ts';

// ---- state -------------------------------------------------------------------------------------

interface Sample {
  file: string;
  image: Image;
}
interface ModelSummary {
  name: string;
  kind: 'keras-h5' | 'tfjs-layers';
  layers: number;
  params: number;
  inputShape: number[];
  outputShape: number[];
}
interface StepPoint {
  step: number;
  epoch: number;
  loss: number;
  accuracy: number;
}
export interface FinetuneOptions {
  cut?: string;
  /** 'all' (default), 'none', a count, or a layer name (frozen up to and including it). */
  freeze?: string;
  /** Head spec; N stands for the number of classes. */
  head?: string;
  /** Square input size (the backbone is rebuilt at it when it differs from the file's). */
  inputSize?: number;
  crops?: number;
  optimizer?: string;
  learningRate?: number;
  epochs?: number;
  batchSize?: number;
  validationSplit?: number;
  seed?: number;
}

const state = {
  ready: false,
  error: '' as string,
  adapter: null as null | Record<string, string>,
  device: null as Device | null,
  model: null as Model | null,
  modelFiles: [] as File[],
  summary: null as ModelSummary | null,
  preprocess: 'inception' as PreprocessMode,
  classes: new Map<string, Sample[]>(),
  trained: null as Model | null,
  trainedClasses: [] as string[],
  trainedInput: [] as number[],
  trainer: null as Trainer | null,
  steps: [] as StepPoint[],
  history: null as History | null,
  busy: '' as string,
  lastPrediction: [] as { index: number; score: number; label: string }[],
};

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const status = (msg: string) => {
  $('status').textContent = msg;
};

function fail(e: unknown, where: string): never {
  const msg = `${where}: ${(e as Error)?.message ?? e}`;
  status(msg);
  console.error(msg);
  throw e instanceof Error ? e : new Error(msg);
}

// ---- device ------------------------------------------------------------------------------------

async function start(): Promise<void> {
  try {
    const d = await initBrowser();
    state.device = d;
    state.adapter = { ...d.adapter } as unknown as Record<string, string>;
    const a = d.adapter;
    const name = [a.vendor, a.architecture, a.description].filter(Boolean).join(' / ') || 'unnamed adapter';
    $('adapter').textContent = `WebGPU adapter: ${name} (${d.features.size ? [...d.features].join(', ') : 'no optional features'})`;
    state.ready = true;
  } catch (e) {
    state.error = (e as Error).message;
    $('adapter').textContent = 'No WebGPU adapter.';
    const box = $('nogpu');
    box.hidden = false;
    box.textContent =
      `WebGPU is not available here: ${state.error}.\n` +
      'This page needs a browser with WebGPU (Chrome or Edge 113+, Safari 26, Firefox 141+ on Windows), ' +
      'opened over https or http://localhost. On Linux Chrome you may need chrome://flags/#enable-unsafe-webgpu.';
    for (const el of document.querySelectorAll('input, select, button')) (el as HTMLInputElement).disabled = true;
  }
  refreshButtons();
}

// ---- model -------------------------------------------------------------------------------------

const baseName = (p: string) => p.split(/[\\/]/).pop() ?? p;

/** Loads a model from the selected files; `inputShape` rebuilds it at another size. */
async function readModel(files: File[], inputShape?: number[]): Promise<{ model: Model; kind: ModelSummary['kind']; name: string }> {
  const json = files.find((f) => /\.json$/i.test(f.name));
  if (json) {
    const j = parseTfjsJson(new Uint8Array(await json.arrayBuffer()), json.name);
    const byName = new Map(files.map((f) => [baseName(f.name), f]));
    const r = await loadTfjsLayers(
      j,
      async (p) => {
        const f = byName.get(baseName(p));
        if (!f) throw new Error(`${json.name} needs the weight file ${p}: select it together with model.json`);
        return new Uint8Array(await f.arrayBuffer());
      },
      { name: json.name, inputShape },
    );
    return { model: r.model, kind: 'tfjs-layers', name: json.name };
  }
  const h5 = files.find((f) => /\.(h5|hdf5|keras)$/i.test(f.name)) ?? (files.length === 1 ? files[0] : undefined);
  if (!h5) throw new Error(`no model among ${files.map((f) => f.name).join(', ')}: select a Keras .h5 or a tfjs model.json with its shards`);
  const r = await loadKerasModel(blobSource(h5), { inputShape });
  return { model: r.model, kind: 'keras-h5', name: h5.name };
}

/** Loads the model the user chose (hook: wgft.loadModelFiles). */
async function loadModelFiles(files: File[]): Promise<ModelSummary> {
  status(`loading ${files.length} file(s)…`);
  try {
    const { model, kind, name } = await readModel(files);
    state.model?.dispose();
    state.trained?.dispose();
    state.model = model;
    state.modelFiles = files;
    state.trained = null;
    const summary: ModelSummary = { name, kind, layers: model.layers.length, params: model.countParams(), inputShape: [...model.inputShape], outputShape: [...model.outputShape] };
    state.summary = summary;
    $('model-info').textContent = `${name} (${kind}): ${summary.layers} layers, ${summary.params.toLocaleString('en')} parameters, input [${summary.inputShape}], output [${summary.outputShape}]`;
    fillLayerSelects(model);
    $<HTMLInputElement>('input-size').value = String(model.inputShape[0] ?? 224);
    status(`loaded ${name}`);
    refreshButtons();
    return summary;
  } catch (e) {
    $('model-info').textContent = String((e as Error).message);
    fail(e, 'loading the model');
  }
}

/** The layer feeding the last global pooling / Flatten: where a classifier's top starts. */
function defaultCut(model: Model): string {
  const pools = model.layers.filter((l) => /^(GlobalAveragePooling2D|GlobalMaxPooling2D|Flatten)$/.test(l.className));
  const last = pools[pools.length - 1];
  const feed = last?.inboundCalls[0]?.inputs[0]?.layer;
  return feed?.name ?? model.layers[model.layers.length - 2]?.name ?? model.layers[0].name;
}

function fillLayerSelects(model: Model): void {
  const cut = $<HTMLSelectElement>('cut');
  const fr = $<HTMLSelectElement>('freeze');
  cut.replaceChildren(...model.layers.slice(1).map((l) => new Option(`${l.name} (${l.className})`, l.name)));
  cut.value = defaultCut(model);
  const refill = () => {
    const upto = model.layers.findIndex((l) => l.name === cut.value);
    fr.replaceChildren(
      new Option('all backbone layers (only the head trains)', 'all'),
      new Option('nothing (train everything)', 'none'),
      ...model.layers.slice(1, upto + 1).map((l, i) => new Option(`up to ${l.name} (${i + 2} layers)`, l.name)),
    );
    fr.value = 'all';
  };
  cut.onchange = refill;
  refill();
}

// ---- images ------------------------------------------------------------------------------------

/** Decoded RGBA pixels of an image file, through the browser's decoders. */
async function decodeImage(blob: Blob): Promise<Image> {
  const bmp = await createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  const canvas = new OffscreenCanvas(bmp.width, bmp.height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.drawImage(bmp, 0, 0);
  const d = ctx.getImageData(0, 0, bmp.width, bmp.height);
  bmp.close();
  return { width: d.width, height: d.height, channels: 4, data: d.data };
}

const IMAGE_RE = /\.(jpe?g|png|gif|bmp|webp|avif)$/i;

/** Adds image files; each file's class is the name of the folder it is in. */
async function addImages(files: { file: File; path: string }[]): Promise<Record<string, number>> {
  let done = 0;
  for (const { file, path } of files) {
    if (!IMAGE_RE.test(file.name)) continue;
    const parts = path.split('/').filter(Boolean);
    const cls = parts.length >= 2 ? parts[parts.length - 2] : 'unsorted';
    try {
      const image = await decodeImage(file);
      if (!state.classes.has(cls)) state.classes.set(cls, []);
      state.classes.get(cls)!.push({ file: path, image });
    } catch (e) {
      console.warn(`${path}: cannot decode (${(e as Error).message})`);
    }
    if (++done % 8 === 0) status(`decoded ${done} images…`);
  }
  showClasses();
  status(`${[...state.classes.values()].reduce((s, c) => s + c.length, 0)} images in ${state.classes.size} classes`);
  refreshButtons();
  return Object.fromEntries([...state.classes].map(([k, v]) => [k, v.length]));
}

function showClasses(): void {
  const names = [...state.classes.keys()].sort();
  $('classes').replaceChildren(
    ...names.map((n) => {
      const li = document.createElement('li');
      li.textContent = `${n}: ${state.classes.get(n)!.length} images`;
      return li;
    }),
  );
}

/** Files under dropped folders (webkitGetAsEntry), with their relative paths. */
async function droppedFiles(dt: DataTransfer): Promise<{ file: File; path: string }[]> {
  const out: { file: File; path: string }[] = [];
  const walk = async (entry: FileSystemEntry | null): Promise<void> => {
    if (!entry) return;
    if (entry.isFile) {
      const file = await new Promise<File>((res, rej) => (entry as FileSystemFileEntry).file(res, rej));
      out.push({ file, path: entry.fullPath.replace(/^\//, '') });
    } else if (entry.isDirectory) {
      const reader = (entry as FileSystemDirectoryEntry).createReader();
      for (;;) {
        const batch = await new Promise<FileSystemEntry[]>((res, rej) => reader.readEntries(res, rej));
        if (!batch.length) break;
        for (const e of batch) await walk(e);
      }
    }
  };
  const entries = [...dt.items].map((it) => it.webkitGetAsEntry?.() ?? null);
  for (const e of entries) await walk(e);
  if (!entries.some(Boolean)) for (const f of dt.files) out.push({ file: f, path: f.name });
  return out;
}

// ---- running -----------------------------------------------------------------------------------

/** Runs a model on one NHWC input (hook: wgft.runInput). */
async function runInput(data: ArrayLike<number>, shape: number[], which: 'loaded' | 'finetuned' = 'loaded'): Promise<Float32Array> {
  const model = which === 'finetuned' ? state.trained : state.model;
  if (!model) throw new Error(which === 'finetuned' ? 'nothing fine-tuned yet' : 'load a model first');
  const y = noGrad(() => tidy(() => model.call([Tensor.from(Float32Array.from(data), shape)], { training: false })));
  const out = await y.data();
  y.dispose();
  return out;
}

/** Deterministic crop windows: the whole image first, then windows of 55-85% of each side. */
function cropWindows(img: Image, n: number, seed: number): [number, number, number, number][] {
  const out: [number, number, number, number][] = [[0, 0, img.width, img.height]];
  let s = (seed * 2654435761 + 1) >>> 0;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  for (let i = 1; i < n; i++) {
    const f = 0.55 + 0.3 * rnd();
    const w = Math.max(1, Math.round(img.width * f));
    const h = Math.max(1, Math.round(img.height * f));
    out.push([Math.floor(rnd() * (img.width - w + 1)), Math.floor(rnd() * (img.height - h + 1)), w, h]);
  }
  return out;
}

/** The class folders as a DataSource of preprocessed crops, one-hot targets, shuffled with `seed`. */
function imageSource(classNames: string[], size: [number, number], crops: number, seed: number): DataSource {
  const items: { img: Image; win: [number, number, number, number]; cls: number }[] = [];
  classNames.forEach((c, k) => {
    state.classes.get(c)!.forEach((s, i) => {
      for (const win of cropWindows(s.image, crops, seed * 7919 + k * 131 + i)) items.push({ img: s.image, win, cls: k });
    });
  });
  // Shuffle once (as image_dataset_from_directory does) so a validation split holds every class.
  let s = (seed + 12345) >>> 0;
  for (let i = items.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [items[i], items[j]] = [items[j], items[i]];
  }
  const [h, w] = size;
  const k = classNames.length;
  const px = h * w * 3;
  const mode = state.preprocess;
  return {
    size: items.length,
    xShape: [h, w, 3],
    yShape: [k],
    deterministic: true,
    classNames,
    get(idx) {
      const x = new Float32Array(idx.length * px);
      const y = new Float32Array(idx.length * k);
      idx.forEach((i, r) => {
        const it = items[i];
        const [l, t, cw, ch] = it.win;
        const part = l === 0 && t === 0 && cw === it.img.width && ch === it.img.height ? it.img : crop(it.img, l, t, cw, ch);
        x.set(preprocessImage(part, { width: w, height: h, mode }), r * px);
        y[r * k + it.cls] = 1;
      });
      return { x, y };
    },
  };
}

/** Fine-tunes a head on the class folders (hook: wgft.finetune). */
async function finetune(o: FinetuneOptions = {}): Promise<{ history: History; steps: StepPoint[]; classes: string[]; seconds: number }> {
  if (!state.modelFiles.length) throw new Error('load a model first');
  const classNames = [...state.classes.keys()].filter((c) => state.classes.get(c)!.length).sort();
  if (classNames.length < 2) throw new Error(`fine-tuning needs at least 2 classes of images (have ${classNames.length})`);
  const t0 = performance.now();
  showOptions(o);
  state.busy = 'training';
  refreshButtons();
  try {
    const base = state.model!;
    const size = o.inputSize ?? base.inputShape[0];
    const channels = base.inputShape[2] ?? 3;
    const rebuild = size !== base.inputShape[0] || size !== base.inputShape[1];
    status(rebuild ? `rebuilding the model at ${size}x${size}…` : 'preparing…');
    // A fresh copy, so the loaded model keeps its weights for comparison and prediction.
    const { model: full } = await readModel(state.modelFiles, rebuild ? [size, size, channels] : undefined);
    const cutName = o.cut ?? defaultCut(full);
    const backbone = full.cut(cutName);
    const frozen = freeze(backbone, o.freeze ?? 'all');
    const headSpec = (o.head ?? 'gap,dense:N:softmax').replace(/\bN\b/g, String(classNames.length));
    const { model } = addHead(backbone, headSpec, 'finetuned');
    const kept = new Set(model.layers);
    for (const l of full.layers) if (!kept.has(l)) l.dispose(); // the file's top, cut off
    const crops = Math.max(1, o.crops ?? 1);
    const seed = o.seed ?? 0;
    const data = imageSource(classNames, [size, size], crops, seed);
    const lossName = 'categorical_crossentropy';
    const trainer = compile(model, {
      optimizer: getOptimizer(o.optimizer ?? 'adam', { learningRate: o.learningRate ?? 1e-3 }),
      loss: getLoss(lossName),
      metrics: [getMetric('accuracy', lossName, classNames.length)],
    });
    state.trainer = trainer;
    const epochs = o.epochs ?? 5;
    const batchSize = o.batchSize ?? 8;
    const valSplit = o.validationSplit ?? 0;
    const nTrain = data.size - Math.floor(data.size * valSplit);
    const perEpoch = Math.ceil(nTrain / batchSize);
    const total = epochs * perEpoch;
    state.steps = [];
    const epochPoints: { epoch: number; loss: number; accuracy: number; val_loss?: number; val_accuracy?: number }[] = [];
    let epoch = 0;
    let prev = { loss: 0, acc: 0, n: 0 };
    const bar = $<HTMLProgressElement>('progress');
    bar.max = total;
    bar.value = 0;
    $('train-info').textContent = `${classNames.length} classes (${classNames.join(', ')}), ${data.size} samples (${crops} crop(s) per image), ` +
      `${nTrain} for training; cut after ${cutName}, ${frozen} backbone layers frozen, head ${headSpec}, input ${size}x${size}`;
    const cb = new LambdaCallback({
      onBatchEnd: (b, logs) => {
        if (logs && typeof logs.loss === 'number') {
          // Logs hold the running epoch means: recover this batch's own values.
          const seen = Math.min((b + 1) * batchSize, nTrain);
          const n = seen - prev.n;
          const loss = (logs.loss * seen - prev.loss * prev.n) / n;
          const acc = ((logs.accuracy ?? 0) * seen - prev.acc * prev.n) / n;
          prev = { loss: logs.loss, acc: logs.accuracy ?? 0, n: seen };
          state.steps.push({ step: state.steps.length + 1, epoch, loss, accuracy: acc });
        }
        const done = epoch * perEpoch + b + 1;
        bar.value = done;
        $('progress-text').textContent = `epoch ${epoch + 1}/${epochs}, step ${done}/${total}`;
        drawChart(state.steps, epochPoints, total);
      },
      onEpochEnd: (e, logs) => {
        epochPoints.push({ epoch: e, loss: logs.loss, accuracy: logs.accuracy, val_loss: logs.val_loss, val_accuracy: logs.val_accuracy });
        epoch = e + 1;
        prev = { loss: 0, acc: 0, n: 0 };
        const val = logs.val_loss !== undefined ? `, val_loss ${logs.val_loss.toFixed(4)}, val_accuracy ${logs.val_accuracy?.toFixed(3)}` : '';
        status(`epoch ${e + 1}: loss ${logs.loss.toFixed(4)}, accuracy ${logs.accuracy.toFixed(3)}${val}`);
        drawChart(state.steps, epochPoints, total);
      },
    });
    const history = await trainer.fit(data, { epochs, batchSize, validationSplit: valSplit, seed, callbacks: [cb], progressEvery: 1 });
    state.trained?.dispose();
    state.trained = model;
    state.trainedClasses = classNames;
    state.trainedInput = [size, size, channels];
    state.history = history;
    const seconds = (performance.now() - t0) / 1000;
    status(`fine-tuned in ${seconds.toFixed(1)} s${trainer.wasAborted ? ' (stopped)' : ''}`);
    return { history, steps: state.steps, classes: classNames, seconds };
  } catch (e) {
    fail(e, 'fine-tuning');
  } finally {
    state.busy = '';
    state.trainer = null;
    refreshButtons();
  }
}

/** Shows the options a (scripted) run uses in the form. */
function showOptions(o: FinetuneOptions): void {
  const set = (id: string, v: unknown) => {
    if (v === undefined) return;
    const el = $<HTMLInputElement | HTMLSelectElement>(id);
    if (el instanceof HTMLSelectElement && ![...el.options].some((op) => op.value === String(v))) el.append(new Option(String(v), String(v)));
    el.value = String(v);
  };
  set('cut', o.cut);
  set('freeze', o.freeze);
  set('head', o.head);
  set('input-size', o.inputSize);
  set('crops', o.crops);
  set('optimizer', o.optimizer);
  set('lr', o.learningRate);
  set('epochs', o.epochs);
  set('batch', o.batchSize);
  set('val-split', o.validationSplit);
}

/** Top-k of an image with the fine-tuned model if there is one, else the loaded one (hook: wgft.predictImage). */
async function predictImage(blob: Blob | Image, k = 5, which?: 'loaded' | 'finetuned'): Promise<{ index: number; score: number; label: string }[]> {
  const useTrained = which ? which === 'finetuned' : !!state.trained;
  const model = useTrained ? state.trained : state.model;
  if (!model) throw new Error('load a model first');
  const img = blob instanceof Blob ? await decodeImage(blob) : blob;
  const [h, w] = model.inputShape;
  const x = preprocessImage(img, { width: w, height: h, mode: state.preprocess });
  const scores = await runInput(x, [1, h, w, 3], useTrained ? 'finetuned' : 'loaded');
  const labels = useTrained ? state.trainedClasses : imagenetLabelsFor(scores.length);
  const top = topK(scores, Math.min(k, scores.length), labels);
  state.lastPrediction = top;
  showPrediction(img, top);
  return top;
}

function showPrediction(img: Image, top: { index: number; score: number; label: string }[]): void {
  const c = $<HTMLCanvasElement>('preview');
  const rgba = new ImageData(img.width, img.height);
  for (let i = 0, n = img.width * img.height; i < n; i++) {
    for (let ch = 0; ch < 3; ch++) rgba.data[i * 4 + ch] = img.data[i * img.channels + (img.channels >= 3 ? ch : 0)];
    rgba.data[i * 4 + 3] = 255;
  }
  const off = new OffscreenCanvas(img.width, img.height);
  off.getContext('2d')!.putImageData(rgba, 0, 0);
  const ctx = c.getContext('2d')!;
  const s = Math.min(c.width / img.width, c.height / img.height);
  ctx.clearRect(0, 0, c.width, c.height);
  ctx.drawImage(off, (c.width - img.width * s) / 2, (c.height - img.height * s) / 2, img.width * s, img.height * s);
  $('top-k').replaceChildren(
    ...top.map((t) => {
      const li = document.createElement('li');
      li.textContent = `${t.label} (${t.index}): ${(t.score * 100).toFixed(1)}%`;
      const bar = document.createElement('span');
      bar.className = 'bar';
      bar.style.width = `${Math.max(1, Math.round(t.score * 120))}px`;
      li.append(bar);
      return li;
    }),
  );
}

/** The fine-tuned model as Keras H5 bytes (hook: wgft.saveH5). */
async function saveH5(): Promise<Uint8Array> {
  if (!state.trained) throw new Error('nothing fine-tuned yet');
  return saveKerasH5(state.trained);
}

function download(bytes: Uint8Array, name: string, type: string): void {
  const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// ---- chart -------------------------------------------------------------------------------------

/** Loss (left axis) and accuracy (right axis, 0..1) per step, with per-epoch validation points. */
function drawChart(steps: StepPoint[], epochs: { epoch: number; val_loss?: number; val_accuracy?: number }[], total: number): void {
  const svg = $('chart');
  const W = 600, H = 220, L = 44, R = 40, T = 14, B = 28;
  const maxLoss = Math.max(1e-6, ...steps.map((p) => p.loss), ...epochs.map((e) => e.val_loss ?? 0)) * 1.05;
  const sx = (s: number) => L + ((s - 0.5) / Math.max(1, total)) * (W - L - R);
  const sl = (v: number) => T + (1 - v / maxLoss) * (H - T - B);
  const sa = (v: number) => T + (1 - v) * (H - T - B);
  const line = (pts: [number, number][], color: string, dash = '') =>
    pts.length ? `<polyline fill="none" stroke="${color}" stroke-width="2" ${dash ? `stroke-dasharray="${dash}"` : ''} points="${pts.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' ')}"/>` : '';
  const perEpoch = total / Math.max(1, epochs.length ? Math.max(...epochs.map((e) => e.epoch)) + 1 : 1);
  const valL = epochs.filter((e) => e.val_loss !== undefined).map((e) => [sx((e.epoch + 1) * perEpoch), sl(e.val_loss!)] as [number, number]);
  const valA = epochs.filter((e) => e.val_accuracy !== undefined).map((e) => [sx((e.epoch + 1) * perEpoch), sa(e.val_accuracy!)] as [number, number]);
  const ticks = [0, 0.5, 1].map((f) => `<text x="${L - 6}" y="${sl(maxLoss * f) + 4}" text-anchor="end">${(maxLoss * f).toPrecision(2)}</text><text x="${W - R + 6}" y="${sa(f) + 4}">${f}</text>`).join('');
  svg.innerHTML =
    `<style>text{font:11px system-ui;fill:#556}</style>` +
    `<rect x="${L}" y="${T}" width="${W - L - R}" height="${H - T - B}" fill="none" stroke="#ccd"/>` +
    ticks +
    `<text x="${L}" y="${H - 8}">steps: ${total}</text>` +
    line(steps.map((p) => [sx(p.step), sl(p.loss)]), '#d0452b') +
    line(steps.map((p) => [sx(p.step), sa(p.accuracy)]), '#2b7bd0') +
    line(valL, '#d0452b', '4 3') +
    line(valA, '#2b7bd0', '4 3') +
    `<text x="${W - R - 230}" y="${H - 8}" style="fill:#d0452b">— loss</text><text x="${W - R - 180}" y="${H - 8}" style="fill:#2b7bd0">— accuracy</text>` +
    `<text x="${W - R - 110}" y="${H - 8}">(dashed: validation)</text>`;
}

// ---- wiring ------------------------------------------------------------------------------------

function refreshButtons(): void {
  const busy = !!state.busy || !state.ready;
  $<HTMLButtonElement>('train').disabled = busy || !state.model || state.classes.size < 2;
  $<HTMLButtonElement>('stop').disabled = state.busy !== 'training';
  $<HTMLButtonElement>('download').disabled = busy || !state.trained;
}

function dropZone(id: string, onDrop: (dt: DataTransfer) => void): void {
  const el = $(id);
  el.addEventListener('dragover', (e) => {
    e.preventDefault();
    el.classList.add('over');
  });
  el.addEventListener('dragleave', () => el.classList.remove('over'));
  el.addEventListener('drop', (e) => {
    e.preventDefault();
    el.classList.remove('over');
    if (e.dataTransfer) onDrop(e.dataTransfer);
  });
}

const readNumber = (id: string) => Number($<HTMLInputElement>(id).value);

function wire(): void {
  const report = (p: Promise<unknown>) => p.catch(() => {});
  $<HTMLInputElement>('model-files').addEventListener('change', (e) => {
    const files = [...((e.target as HTMLInputElement).files ?? [])];
    if (files.length) report(loadModelFiles(files));
  });
  dropZone('model-drop', (dt) => report(droppedFiles(dt).then((fs) => loadModelFiles(fs.map((f) => f.file)))));
  $<HTMLSelectElement>('preprocess').addEventListener('change', (e) => {
    state.preprocess = (e.target as HTMLSelectElement).value as PreprocessMode;
  });
  $<HTMLInputElement>('image-folders').addEventListener('change', (e) => {
    const files = [...((e.target as HTMLInputElement).files ?? [])];
    report(addImages(files.map((f) => ({ file: f, path: f.webkitRelativePath || f.name }))));
  });
  dropZone('images-drop', (dt) => report(droppedFiles(dt).then(addImages)));
  $('clear-images').addEventListener('click', () => {
    state.classes.clear();
    showClasses();
    refreshButtons();
  });
  $('train').addEventListener('click', () =>
    report(
      finetune({
        cut: $<HTMLSelectElement>('cut').value,
        freeze: $<HTMLSelectElement>('freeze').value,
        head: $<HTMLInputElement>('head').value,
        inputSize: readNumber('input-size'),
        crops: readNumber('crops'),
        optimizer: $<HTMLSelectElement>('optimizer').value,
        learningRate: readNumber('lr'),
        epochs: readNumber('epochs'),
        batchSize: readNumber('batch'),
        validationSplit: readNumber('val-split'),
      }),
    ),
  );
  $('stop').addEventListener('click', () => state.trainer?.stop());
  $('download').addEventListener('click', () =>
    report(
      saveH5().then((bytes) => {
        download(bytes, 'finetuned.h5', 'application/x-hdf5');
        download(new TextEncoder().encode(JSON.stringify(state.trainedClasses) + '\n'), 'finetuned.classes.json', 'application/json');
      }).catch((e) => fail(e, 'saving')),
    ),
  );
  $<HTMLInputElement>('predict-file').addEventListener('change', (e) => {
    const f = (e.target as HTMLInputElement).files?.[0];
    if (f) report(predictImage(f).catch((err) => fail(err, 'predicting')));
  });
  dropZone('predict-drop', (dt) => {
    const f = dt.files[0];
    if (f) report(predictImage(f).catch((err) => fail(err, 'predicting')));
  });
  drawChart([], [], 1);
}

// ---- test hooks --------------------------------------------------------------------------------

const hooks = {
  state,
  started: null as Promise<void> | null,
  loadModelFiles,
  addImages,
  runInput: async (data: ArrayLike<number>, shape: number[], which?: 'loaded' | 'finetuned') => Array.from(await runInput(data, shape, which)),
  finetune,
  predictImage,
  /** The fine-tuned model's .h5 bytes, base64 (for tests). */
  saveH5Base64: async () => {
    const b = await saveH5();
    let s = '';
    for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
    return btoa(s);
  },
  /** What decides kernel variants: the same on both sides means the same kernels run. */
  kernelConfig: () => ({
    matmulForceScalar: matmulVariants.forceScalar,
    maxComputeWorkgroupsPerDimension: state.device?.limits.maxComputeWorkgroupsPerDimension ?? 0,
    features: state.device ? [...state.device.features].sort() : [],
  }),
  setPreprocess: (mode: PreprocessMode) => {
    state.preprocess = mode;
    $<HTMLSelectElement>('preprocess').value = mode;
  },
};
declare global {
  interface Window {
    wgft: typeof hooks;
  }
}
window.wgft = hooks;
wire();
hooks.started = start();
