// Recipe 3 (TF-slim, then Keras): VGG16 and InceptionV3 checkpoints fine-tuned on an 8-class folder.
//
//   TF-slim:  logits = vgg.vgg_16(images, num_classes=1000); restore vgg_16.ckpt; predict -> 1000 ImageNet labels
//             (inception_v3.ckpt: 1001 classes, 0 = background)
//             init_fn = slim.assign_from_checkpoint_fn(ckpt, slim.get_variables_to_restore(exclude=['vgg_16/fc8']))
//             train fc8 alone for N epochs (var_list = fc8), then the whole network for N epochs;
//             GradientDescentOptimizer(0.001), batch 32;
//             preprocessing: resize_image_with_crop_or_pad(224) - [123.68, 116.78, 103.94] (VGG),
//                            crop-or-pad 299, scaled to [-1, 1] (Inception)
//   Keras:    VGG16(include_top=False) + head with layers[:15] frozen; InceptionV3(include_top=False) + GAP +
//             Dense(1024, relu) + Dense(8, softmax): top alone, then the layers from 249 on (SGD 1e-4, momentum 0.9)
//
// The same runs as commands; the predictions with the 1000/1001 labels are `wgft predict`'s (runSlim calls its
// predictImages on two training images):
//   wgft predict vgg16 --checkpoint vgg_16.ckpt --crop crop-or-pad IMAGE...       (--preprocess vgg implied)
//   wgft predict inception_v3 --checkpoint inception_v3.ckpt --crop crop-or-pad IMAGE...   (1001 classes, 0 = background)
//   wgft finetune --model vgg16 --checkpoint vgg_16.ckpt --exclude vgg_16/fc8 --cut fc2 --head dense:8:softmax \
//     --data DIR --crop crop-or-pad --preprocess vgg --freeze all --optimizer sgd --lr 0.001 --batch-size 32 \
//     --epochs N --fine-tune-from 0 --fine-tune-epochs N --fine-tune-lr 0.001 --out out/03-slim-vgg
//   wgft finetune --model inception_v3 --checkpoint inception_v3.ckpt --exclude InceptionV3/Logits,InceptionV3/AuxLogits \
//     --head gap,dense:8:softmax --data DIR --crop crop-or-pad --preprocess inception --freeze all --optimizer sgd \
//     --lr 0.001 --batch-size 32 --epochs N --fine-tune-from 0 --fine-tune-epochs N --fine-tune-lr 0.001 --out out/03-slim-inception
//   wgft finetune --model vgg16 --weights imagenet --data DIR --freeze all --head flatten,dense:256:relu,dropout:0.5,dense:8:softmax \
//     --optimizer sgd --lr 0.001 --epochs N --fine-tune-from 15 --fine-tune-epochs N --fine-tune-lr 0.001 --momentum 0.9
//   wgft finetune --model inception_v3 --weights imagenet --data DIR --freeze all --head gap,dense:1024:relu,dense:8:softmax \
//     --optimizer sgd --lr 0.001 --epochs N --fine-tune-from 249 --fine-tune-epochs N --fine-tune-lr 1e-4 --momentum 0.9
//
//   node --import tsx examples/03-slim-vgg16-inceptionv3.ts          reduced: 8 Fashion-MNIST classes x 8 images,
//        crop-or-pad 32 (VGG) / 75 (Inception), 2 + 2 epochs (VGG), 1 + 1 (Inception)
//   node --import tsx examples/03-slim-vgg16-inceptionv3.ts --full   224 / 299, 8 x 100 images, 5 + 5 epochs
//   options: --per-class N --epochs N --inception-epochs N --parts slim-vgg,slim-inception,keras-vgg,keras-inception
//            --vgg-ckpt PATH/vgg_16.ckpt --inception-ckpt PATH/inception_v3.ckpt --data DIR --out DIR
// Weights: the TF-slim checkpoints (http://download.tensorflow.org/models/vgg_16_2016_08_28.tar.gz and
// inception_v3_2016_08_28.tar.gz, unpacked) given with --vgg-ckpt / --inception-ckpt. Without them,
// stand-in checkpoints are written in TF-slim's names and layout: VGG16 with seeded random weights
// (mechanics only) and InceptionV3 with the trained nsfwjs fixture weights and random 1001-class logits.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  InceptionV3, SGD, VGG16, compile, freeze, fromDataset, getLoss, getMetric, setSeed, addHead,
  writeBundle, mapCheckpointToModel, type Model, type History, type DataSource,
} from '../src/index.ts';
import { predictImages } from '../src/cli/predict.ts';
import { kerasToSlimInceptionV3, kerasToSlimVgg } from '../src/loaders/tf-checkpoint/index.ts';
import { readTfCheckpointFile } from '../src/node/tf-checkpoint-files.ts';
import { imageFolder } from '../src/node/image-folder.ts';
import { loadKerasWeightFile } from '../src/node/keras-weights.ts';
import { writePlots } from '../src/node/plots.ts';
import { cliArgs, device, isMain, kerasCacheWeights, loadTfjsInto, NSFW_INCEPTION, pct, secs, snapshot, weightChanges, writeFashionFolder, writeJson } from './common.ts';

export interface SlimOptions {
  data: string | null;
  perClass: number;
  vggSize: number;
  inceptionSize: number;
  epochs: number;
  inceptionEpochs: number;
  batchSize: number;
  vggCkpt?: string;
  inceptionCkpt?: string;
  /** Which parts to run. */
  parts: ('slim-vgg' | 'slim-inception' | 'keras-vgg' | 'keras-inception')[];
  out: string;
  seed?: number;
  log?: (s: string) => void;
}

const ALL_PARTS: SlimOptions['parts'] = ['slim-vgg', 'slim-inception', 'keras-vgg', 'keras-inception'];
export const REDUCED: SlimOptions = { data: null, perClass: 8, vggSize: 32, inceptionSize: 75, epochs: 2, inceptionEpochs: 1, batchSize: 32, parts: ALL_PARTS, out: 'out/03-slim' };
export const FULL: SlimOptions = { data: null, perClass: 100, vggSize: 224, inceptionSize: 299, epochs: 5, inceptionEpochs: 5, batchSize: 32, parts: ALL_PARTS, out: 'out/03-slim' };
// Eight Fashion-MNIST classes stand in for the eight animal folders.
const CLASSES = [0, 1, 2, 3, 4, 5, 7, 8];

/** A TF-slim-named V2 checkpoint (prefix.index + prefix.data-00000-of-00001) from a Keras-named model. */
export async function writeSlimCheckpoint(model: Model, prefix: string, toSlim: (n: string) => string | undefined, shapeOf: (slim: string, shape: number[]) => number[] = (_, s) => s): Promise<number> {
  const tensors = [];
  for (const v of model.weights) {
    const name = toSlim(v.name);
    if (!name) continue;
    tensors.push({ name, shape: shapeOf(name, [...v.shape]), data: await v.data() });
  }
  const { index, data } = writeBundle(tensors);
  mkdirSync(prefix.replace(/[^/]*$/, ''), { recursive: true });
  writeFileSync(`${prefix}.index`, index);
  writeFileSync(`${prefix}.data-00000-of-00001`, data);
  return tensors.length;
}

/** The VGG16 stand-in for vgg_16.ckpt at input size s: seeded random weights, slim's fc layers as convs. */
export async function writeStandInVgg(s: number, prefix: string, seed = 0): Promise<number> {
  setSeed(seed);
  const src = VGG16({ inputShape: [s, s, 3] });
  const g = s / 32;
  const n = await writeSlimCheckpoint(src, prefix, (v) => kerasToSlimVgg(v), (name, shape) =>
    name.endsWith('fc6/weights') ? [g, g, 512, shape[1]] : /fc[78]\/weights$/.test(name) ? [1, 1, ...shape] : shape,
  );
  src.dispose();
  return n;
}

/** The InceptionV3 stand-in for inception_v3.ckpt: the nsfwjs features (when present) and random 1001-class logits. */
export async function writeStandInInception(s: number, prefix: string, seed = 0): Promise<number> {
  setSeed(seed);
  const src = InceptionV3({ inputShape: [s, s, 3], classes: 1001 });
  if (existsSync(NSFW_INCEPTION)) await loadTfjsInto(src, NSFW_INCEPTION);
  const n = await writeSlimCheckpoint(src, prefix, (v) => kerasToSlimInceptionV3(v), (name, shape) => (name.endsWith('Logits/Conv2d_1c_1x1/weights') ? [1, 1, ...shape] : shape));
  src.dispose();
  return n;
}

interface Phase {
  history: History;
  seconds: number;
}
export interface PartResult {
  part: string;
  weights: string;
  predictions: string[];
  excluded: string[];
  missing: string[];
  phase1: Phase;
  phase2: Phase;
  /** After phase 1: frozen weights unchanged, trainable changed. */
  phase1Weights: Awaited<ReturnType<typeof weightChanges>>;
  valAccuracy: number;
}

async function twoPhases(
  model: Model,
  backbone: Model,
  o: SlimOptions,
  data: { train: DataSource; val?: DataSource },
  p: { phase1Freeze: string | number; phase2Freeze: string | number; epochs: number; lr1: number; lr2: number; momentum2?: number; label: string },
  log: (s: string) => void,
): Promise<{ phase1: Phase; phase2: Phase; phase1Weights: PartResult['phase1Weights'] }> {
  const loss = getLoss('categorical_crossentropy');
  const acc = getMetric('accuracy', 'categorical_crossentropy');
  const run = async (lr: number, momentum: number | undefined, name: string) => {
    const t = compile(model, { optimizer: new SGD({ learningRate: lr, momentum }), loss, metrics: [acc] });
    const s0 = performance.now();
    const history = await t.fit(data.train, { epochs: p.epochs, batchSize: o.batchSize, validationData: data.val, seed: o.seed ?? 0 });
    history.epoch.forEach((e, i) => {
      const h = history.history;
      log(`${p.label} ${name} epoch ${e + 1}: loss ${h.loss[i].toFixed(4)} acc ${pct(h.accuracy[i])} val_acc ${pct(h.val_accuracy?.[i] ?? NaN)} (${h.seconds[i].toFixed(1)}s${t.epochStats[i].cache ? `, cache ${t.epochStats[i].cache}` : ''})`);
    });
    return { history, seconds: secs(s0) };
  };
  freeze(backbone, p.phase1Freeze);
  const before = await snapshot(model);
  const phase1 = await run(p.lr1, undefined, 'phase 1 (top only)');
  const phase1Weights = await weightChanges(model, before);
  freeze(backbone, p.phase2Freeze);
  const phase2 = await run(p.lr2, p.momentum2, p.phase2Freeze === 'none' ? 'phase 2 (whole network)' : `phase 2 (base.layers[${p.phase2Freeze}:] + top)`);
  return { phase1, phase2, phase1Weights };
}

export async function runSlim(o: SlimOptions): Promise<PartResult[]> {
  const log = o.log ?? console.log;
  const root = o.data ?? join(o.out, 'images');
  if (!o.data) writeFashionFolder(root, CLASSES, o.perClass);
  const folder = (size: number, mode: 'vgg' | 'inception' | 'caffe') => {
    const f = imageFolder(root, { width: size, height: size, mode, crop: mode === 'caffe' ? 'none' : 'crop-or-pad', validationSplit: 0.2, seed: o.seed ?? 0 });
    const k = f.classNames.length;
    return { k, names: f.classNames, files: f.split.train.items, train: fromDataset(f.train, { oneHot: k }), val: f.validation ? fromDataset(f.validation, { oneHot: k }) : undefined };
  };
  const results: PartResult[] = [];
  // `wgft predict MODEL --checkpoint CKPT --input-shape S,S,3 --crop crop-or-pad --top 3` on the first two training images.
  const top3 = async (model: string, checkpoint: string, s: number, files: string[]) => {
    log(`  wgft predict ${model} --checkpoint ${checkpoint} --input-shape ${s},${s},3 --crop crop-or-pad --top 3 ${files.slice(0, 2).join(' ')}`);
    const r = await predictImages({ model, checkpoint, inputShape: `${s},${s},3`, crop: 'crop-or-pad', top: 3 }, files.slice(0, 2));
    return r.map((p) => p.top.map((t) => `${t.label} ${pct(t.score)}`).join(', '));
  };
  const record = async (part: string, weights: string, predictions: string[], rep: { excluded: string[]; missing: string[] }, r: Awaited<ReturnType<typeof twoPhases>>, plotsDir: string) => {
    const valAccuracy = r.phase2.history.history.val_accuracy?.at(-1) ?? NaN;
    results.push({ part, weights, predictions, excluded: rep.excluded, missing: rep.missing, ...r, valAccuracy });
    await writePlots(join(plotsDir, 'phase1'), r.phase1.history);
    await writePlots(join(plotsDir, 'phase2'), r.phase2.history);
  };

  if (o.parts.includes('slim-vgg')) {
    const s = o.vggSize;
    const d = folder(s, 'vgg');
    log(`slim VGG16: ${root}: ${d.train.size} train, ${d.val?.size ?? 0} validation, ${d.k} classes; crop-or-pad ${s} + VGG mean subtraction`);
    let ckpt = o.vggCkpt;
    let weights = `TF-slim checkpoint ${ckpt}`;
    if (!ckpt) {
      log('no --vgg-ckpt: download http://download.tensorflow.org/models/vgg_16_2016_08_28.tar.gz, unpack, and pass --vgg-ckpt PATH/vgg_16.ckpt (needs --full: 224x224)');
      ckpt = join(o.out, 'ckpt', 'vgg_16.ckpt');
      const n = await writeStandInVgg(s, ckpt, o.seed ?? 0);
      weights = `stand-in TF-slim checkpoint ${ckpt} (${n} tensors, seeded random VGG16: mechanics only)`;
    }
    // Predict with the 1000 ImageNet labels.
    const predictions = await top3('vgg16', ckpt, s, d.files);
    predictions.forEach((p, i) => log(`  image ${i}: ${p}`));
    const ck = await readTfCheckpointFile(ckpt);
    // Restore all but vgg_16/fc8 into an 8-class VGG16.
    setSeed((o.seed ?? 0) + 1);
    const model = VGG16({ inputShape: [s, s, 3], classes: d.k });
    const rep = mapCheckpointToModel(model, ck, { exclude: ['vgg_16/fc8'], allowMissing: true, source: ckpt });
    log(`restored ${rep.loaded.length} tensors; excluded ${rep.excluded.join(', ')}; new: ${rep.missing.join(', ')}`);
    const r = await twoPhases(model, model, o, d, { phase1Freeze: 'fc2', phase2Freeze: 'none', epochs: o.epochs, lr1: 1e-3, lr2: 1e-3, label: 'slim-vgg' }, log);
    await record('slim-vgg', weights, predictions, rep, r, join(o.out, 'slim-vgg'));
    model.dispose();
  }

  if (o.parts.includes('slim-inception')) {
    const s = o.inceptionSize;
    const d = folder(s, 'inception');
    log(`slim InceptionV3: crop-or-pad ${s} + [-1, 1]`);
    let ckpt = o.inceptionCkpt;
    let weights = `TF-slim checkpoint ${ckpt}`;
    if (!ckpt) {
      log('no --inception-ckpt: download http://download.tensorflow.org/models/inception_v3_2016_08_28.tar.gz and pass --inception-ckpt PATH/inception_v3.ckpt');
      ckpt = join(o.out, 'ckpt', 'inception_v3.ckpt');
      const n = await writeStandInInception(s, ckpt, o.seed ?? 0);
      weights = `stand-in TF-slim checkpoint ${ckpt} (${n} tensors: nsfwjs InceptionV3 features, random 1001-class logits)`;
    }
    // 1001 classes: the checkpoint's logits, class 0 = background.
    const predictions = await top3('inception_v3', ckpt, s, d.files);
    predictions.forEach((p, i) => log(`  image ${i}: ${p}`));
    const ck = await readTfCheckpointFile(ckpt);
    setSeed((o.seed ?? 0) + 1);
    const base = InceptionV3({ inputShape: [s, s, 3], includeTop: false });
    const rep = mapCheckpointToModel(base, ck, { exclude: ['InceptionV3/Logits', 'InceptionV3/AuxLogits'], allowMissing: true, source: ckpt });
    const { model } = addHead(base, `gap,dense:${d.k}:softmax`, 'inception_v3_8');
    log(`restored ${rep.loaded.length} tensors; excluded ${rep.excluded.length} (${rep.excluded.slice(0, 2).join(', ')}); new: the 8-class logits`);
    const r = await twoPhases(model, base, o, d, { phase1Freeze: 'all', phase2Freeze: 'none', epochs: o.inceptionEpochs, lr1: 1e-3, lr2: 1e-3, label: 'slim-inception' }, log);
    await record('slim-inception', weights, predictions, { excluded: rep.excluded, missing: ['logits'] }, r, join(o.out, 'slim-inception'));
    model.dispose();
  }

  if (o.parts.includes('keras-vgg')) {
    const s = o.vggSize;
    const d = folder(s, 'caffe');
    const c = kerasCacheWeights('vgg16', false);
    setSeed(o.seed ?? 0);
    const base = VGG16({ includeTop: false, inputShape: [s, s, 3] });
    if (c.path) await loadKerasWeightFile(base, c.path);
    else log(c.hint);
    setSeed((o.seed ?? 0) + 1);
    const { model } = addHead(base, `flatten,dense:256:relu,dropout:0.5,dense:${d.k}:softmax`, 'vgg16_8');
    const r = await twoPhases(model, base, o, d, { phase1Freeze: 'all', phase2Freeze: 15, epochs: o.epochs, lr1: 1e-3, lr2: 1e-3, momentum2: 0.9, label: 'keras-vgg' }, log);
    await record('keras-vgg', c.path ? `ImageNet (${c.path})` : 'seeded random (mechanics only)', [], { excluded: [], missing: [] }, r, join(o.out, 'keras-vgg'));
    model.dispose();
  }

  if (o.parts.includes('keras-inception')) {
    const s = o.inceptionSize;
    const d = folder(s, 'inception');
    const c = kerasCacheWeights('inception_v3', false);
    setSeed(o.seed ?? 0);
    const base = InceptionV3({ includeTop: false, inputShape: [s, s, 3] });
    let weights = 'seeded random';
    if (c.path) {
      await loadKerasWeightFile(base, c.path);
      weights = `ImageNet (${c.path})`;
    } else if (existsSync(NSFW_INCEPTION)) {
      log(c.hint);
      await loadTfjsInto(base, NSFW_INCEPTION);
      weights = 'stand-in: nsfwjs InceptionV3';
    }
    setSeed((o.seed ?? 0) + 1);
    const { model } = addHead(base, `gap,dense:1024:relu,dense:${d.k}:softmax`, 'inception_v3_8');
    // Keras docs: top alone, then freeze base.layers[:249] and train the top two inception blocks.
    const r = await twoPhases(model, base, o, d, { phase1Freeze: 'all', phase2Freeze: 249, epochs: o.inceptionEpochs, lr1: 1e-3, lr2: 1e-4, momentum2: 0.9, label: 'keras-inception' }, log);
    await record('keras-inception', weights, [], { excluded: [], missing: [] }, r, join(o.out, 'keras-inception'));
    model.dispose();
  }
  writeJson(join(o.out, 'result.json'), results.map((r) => ({ ...r, phase1: { history: r.phase1.history.history, seconds: r.phase1.seconds }, phase2: { history: r.phase2.history.history, seconds: r.phase2.seconds } })));
  return results;
}

if (isMain(import.meta.url)) {
  const a = cliArgs();
  const base = a.full ? FULL : REDUCED;
  await device();
  const t0 = performance.now();
  const parts = a.get('parts')?.split(',') as SlimOptions['parts'] | undefined;
  const r = await runSlim({ ...base, perClass: Number(a.get('per-class') ?? base.perClass), epochs: Number(a.get('epochs') ?? base.epochs), inceptionEpochs: Number(a.get('inception-epochs') ?? base.inceptionEpochs), data: a.get('data') ?? null, vggCkpt: a.get('vgg-ckpt'), inceptionCkpt: a.get('inception-ckpt'), parts: parts ?? base.parts, out: a.out ?? base.out });
  for (const p of r) console.log(`${p.part}: val accuracy ${pct(p.valAccuracy)} after ${p.phase1.seconds.toFixed(0)}s + ${p.phase2.seconds.toFixed(0)}s (${p.weights})`);
  console.log(`total ${secs(t0).toFixed(0)}s`);
  process.exit(0);
}
