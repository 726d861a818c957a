// Recipe 5 (MXNet Gluon): ResNet18_v2 fine-tuned on cats vs dogs, and the same net from scratch.
//
//   pretrained_net = model_zoo.vision.resnet18_v2(pretrained=True)
//   finetune_net = model_zoo.vision.resnet18_v2(classes=2)
//   finetune_net.features = pretrained_net.features
//   finetune_net.output.initialize(init.Xavier())
//   finetune_net.output.collect_params().setattr('lr_mult', 10)
//   train_augs = [Resize(224), ToTensor(), Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])]
//   train(ImageFolderDataset('train'), ImageFolderDataset('test'), SGD lr 0.002, batch 32, 20 epochs)
//   scratch_net = model_zoo.vision.resnet18_v2(classes=2); scratch_net.initialize(init.Xavier()); train(...)
//
// The same runs as commands (train/ and test/ folders with one subfolder per class; the weights come
// from the MXNet cache, or --weights FILE.params):
//   wgft finetune --model resnet18_v2 --data DIR/train --validation-data DIR/test --preprocess torch \
//     --input-shape 224,224,3 --head dense:2 --loss categorical_crossentropy --from-logits --freeze none \
//     --lr-mult dense=10 --optimizer sgd --lr 0.002 --batch-size 32 --epochs 20 --out out/05-gluon
//   ... and with --from-scratch (every weight freshly initialized) for the comparison.
//
//   node --import tsx examples/05-gluon-resnet18-v2.ts           reduced (~2-3 min): the trained MXNet ResNet-29
//        (CIFAR-10, ../shared/fixtures/mxnet/pydmobilenet) stands in for ResNet18_v2; two Fashion-MNIST
//        classes it never saw, 32x32, fine-tuned vs from scratch; then ResNet18_v2 itself with seeded
//        random "pretrained" weights at 32x32 (mechanics: copied features, lr_mult, loss)
//   node --import tsx examples/05-gluon-resnet18-v2.ts --full    ResNet18_v2 at 224, 2 x 500 train / 2 x 200 test, 20 epochs
//   options: --data DIR (with train/ and test/) --per-class N --test-per-class N --epochs E --batch B --out DIR
// Weights: resnet18_v2-a81db45f.params in $MXNET_HOME/models or ~/.mxnet/models (never downloaded).
import { join } from 'node:path';
import {
  Dense, Model, SGD, applyLrMult, buildSymbolModel, compile, fromDataset, getLoss, getMetric, setSeed, gluonResnet,
  type History, type Layer,
} from '../src/index.ts';
import { imageFolder } from '../src/node/image-folder.ts';
import { findGluonWeights, gluonResnetFromCache, loadMxnetSymbolFile, mxnetModelDir } from '../src/node/mxnet.ts';
import { writePlots } from '../src/node/plots.ts';
import { cliArgs, device, isMain, pct, RESNET29, secs, snapshot, writeFashionFolder, writeJson } from './common.ts';

export interface GluonOptions {
  /** 'resnet18_v2' (the recipe) or 'resnet29-standin' (the trained CIFAR ResNet-29 fixture). */
  net: 'resnet18_v2' | 'resnet29-standin';
  /** Folder with train/ and test/ (class subfolders), or null to write two Fashion-MNIST classes. */
  data: string | null;
  classes: [number, number];
  trainPerClass: number;
  testPerClass: number;
  size: number;
  epochs: number;
  batchSize: number;
  lr: number;
  scratchLr: number;
  lrMult: number;
  /** Also train the same net from scratch. */
  scratch: boolean;
  out: string;
  /** ResNet18_v2 without the cache file: seeded random stand-in weights (mechanics only). */
  allowRandom?: boolean;
  seed?: number;
  log?: (s: string) => void;
}

// Coat vs Bag: clothes the CIFAR-10 stand-in never saw.
export const REDUCED: GluonOptions = {
  net: 'resnet29-standin', data: null, classes: [4, 8], trainPerClass: 24, testPerClass: 50, size: 32, epochs: 3, batchSize: 16,
  lr: 0.01, scratchLr: 0.1, lrMult: 10, scratch: true, out: 'out/05-gluon', allowRandom: true,
};
export const FULL: GluonOptions = {
  net: 'resnet18_v2', data: null, classes: [4, 8], trainPerClass: 500, testPerClass: 200, size: 224, epochs: 20, batchSize: 32,
  lr: 0.002, scratchLr: 0.1, lrMult: 10, scratch: true, out: 'out/05-gluon',
};

/** Copies weights by name from `src` into `dst` for every layer except `skip` (Gluon's `net.features = pretrained.features`). */
export async function copyFeatures(src: Model, dst: Model, skip: (l: Layer) => boolean): Promise<number> {
  const from = new Map(src.weights.map((v) => [v.name, v]));
  let n = 0;
  for (const l of dst.layers) {
    if (skip(l)) continue;
    for (const v of l.weights) {
      const s = from.get(v.name);
      if (!s || s.size !== v.size) throw new Error(`copyFeatures: no weight ${v.name} of ${v.size} values in ${src.name}`);
      v.assign(await s.data());
      n++;
    }
  }
  return n;
}

/** The pretrained net and a fresh 2-class net whose features are copied from it and whose output is new (Xavier). */
async function nets(o: GluonOptions, log: (s: string) => void): Promise<{ finetune: Model; build: () => Model; weights: string }> {
  const shape = [o.size, o.size, 3];
  if (o.net === 'resnet29-standin') {
    // The exported CIFAR-10 net: features end at the global pool; dense0 is its 10-class output.
    const withOutput = (m: Model) => {
      const cut = m.cut('cifar10_resne29/classifier/pool0_fwd');
      const out = new Dense({ units: 2, name: 'output' }).apply(cut.outputs[0]); // glorot_uniform = Gluon's Xavier()
      return new Model({ inputs: cut.inputs, outputs: out, name: 'resnet29_2class' });
    };
    const pre = await loadMxnetSymbolFile(RESNET29, { inputShape: [3, o.size, o.size] });
    setSeed((o.seed ?? 0) + 1);
    // The same graph without its parameters: the architecture, freshly initialized.
    const fresh = () => buildSymbolModel(pre.symbol, { inputShape: [3, o.size, o.size], file: RESNET29, name: 'resnet29_scratch' }).model;
    return {
      finetune: withOutput(pre.sm.model),
      build: () => withOutput(fresh()),
      weights: `stand-in: trained MXNet ResNet-29 (CIFAR-10) from ${pre.paramsPath}`,
    };
  }
  const path = findGluonWeights('resnet18_v2');
  if (!path && !o.allowRandom) {
    throw new Error(`resnet18_v2: no resnet18_v2-*.params in ${mxnetModelDir()}; copy the Gluon model-zoo file there (e.g. from another machine: ~/.mxnet/models/resnet18_v2-a81db45f.params) or set MXNET_HOME`);
  }
  setSeed(o.seed ?? 0);
  const pretrained = path ? (await gluonResnetFromCache('resnet18_v2', { inputShape: shape })).gluon.model : gluonResnet('resnet18_v2', { inputShape: shape }).model;
  if (!path) log(`no resnet18_v2-*.params in ${mxnetModelDir()} (put the Gluon model-zoo file there for the pretrained run): seeded random weights, mechanics only`);
  setSeed((o.seed ?? 0) + 1);
  const finetune = gluonResnet('resnet18_v2', { classes: 2, inputShape: shape }).model;
  const n = await copyFeatures(pretrained, finetune, (l) => l.name === 'output');
  pretrained.dispose();
  log(`copied ${n} feature tensors; output re-initialized (Xavier)`);
  return { finetune, build: () => gluonResnet('resnet18_v2', { classes: 2, inputShape: shape }).model, weights: path ? `ImageNet (${path})` : 'seeded random (mechanics only)' };
}

export interface GluonRun {
  history: History;
  testAccuracy: number;
  seconds: number;
}
export interface GluonResult {
  finetune: GluonRun;
  scratch: GluonRun | null;
  weights: string;
  /** Mean |update| of the output over a middle feature layer's, per unit of learning rate, after one step of each. */
  lrMultCheck: { output: number; features: number };
  frozenLayers: 0;
  outputChanged: boolean;
  featuresChanged: boolean;
  seconds: number;
  files: string[];
}

export async function runGluon(o: GluonOptions): Promise<GluonResult> {
  const log = o.log ?? console.log;
  const t0 = performance.now();
  const root = o.data ?? join(o.out, 'images');
  if (!o.data) {
    writeFashionFolder(join(root, 'train'), o.classes, o.trainPerClass);
    writeFashionFolder(join(root, 'test'), o.classes, o.testPerClass, { split: 't10k' });
  }
  const opts = { width: o.size, height: o.size, mode: 'torch' as const, validationSplit: 0, seed: o.seed ?? 0 };
  const trainF = imageFolder(join(root, 'train'), opts);
  const testF = imageFolder(join(root, 'test'), opts);
  const train = fromDataset(trainF.train, { oneHot: 2 });
  const test = fromDataset(testF.train, { oneHot: 2 });
  log(`data: ${root}: train ${train.size}, test ${test.size} images (${trainF.classNames.join(' vs ')}), resize ${o.size} + Normalize(ImageNet mean/std)`);
  const { finetune, build, weights } = await nets(o, log);
  log(`weights: ${weights}`);

  const loss = getLoss('categorical_crossentropy', { fromLogits: true }); // SoftmaxCrossEntropyLoss
  const acc = getMetric('accuracy', 'categorical_crossentropy');
  const train1 = async (model: Model, lr: number, mult: number, label: string): Promise<GluonRun & { trainer: ReturnType<typeof compile> }> => {
    const opt = new SGD({ learningRate: lr });
    if (mult !== 1) applyLrMult(model, opt, [`output=${mult}`]);
    const trainer = compile(model, { optimizer: opt, loss, metrics: [acc] });
    const s0 = performance.now();
    const history = await trainer.fit(train, { epochs: o.epochs, batchSize: o.batchSize, validationData: test, seed: o.seed ?? 0 });
    history.epoch.forEach((e, i) => {
      const h = history.history;
      log(`${label} epoch ${e + 1}: loss ${h.loss[i].toFixed(4)} train acc ${pct(h.accuracy[i])} test acc ${pct(h.val_accuracy[i])} (${h.seconds[i].toFixed(1)}s)`);
    });
    return { trainer, history, testAccuracy: history.history.val_accuracy.at(-1)!, seconds: secs(s0) };
  };

  // lr_mult, visibly: one SGD step on a copy of the fine-tune net, output vs features update sizes.
  const lrMultCheck = await (async () => {
    const m = build();
    await copyFeatures(finetune, m, () => false);
    const before = await snapshot(m);
    const opt = new SGD({ learningRate: 1e-3 });
    applyLrMult(m, opt, [`output=${o.lrMult}`]);
    const t = compile(m, { optimizer: opt, loss, metrics: [] });
    await t.fit(train, { epochs: 1, batchSize: Math.min(train.size, o.batchSize), shuffle: false, cache: false });
    const after = await snapshot(m);
    const rel = (name: string) => {
      const a = after.get(name)!;
      const b = before.get(name)!;
      return a.reduce((s, v, i) => s + Math.abs(v - b[i]), 0) / a.length;
    };
    const out = rel(m.weights.find((v) => v.name.startsWith('output/'))!.name);
    const conv = m.weights.filter((v) => v.trainable && !v.name.startsWith('output/') && v.shape.length === 4);
    const feat = rel(conv[conv.length - 1].name);
    m.dispose();
    return { output: out, features: feat };
  })();

  const before = await snapshot(finetune);
  const ft = await train1(finetune, o.lr, o.lrMult, 'fine-tune');
  const after = await snapshot(finetune);
  const changed = (pred: (n: string) => boolean) => [...after].filter(([k]) => pred(k)).some(([k, v]) => v.some((x, i) => x !== before.get(k)![i]));
  const outputChanged = changed((k) => k.startsWith('output/'));
  const featuresChanged = changed((k) => !k.startsWith('output/') && /kernel/.test(k));
  let scratch: GluonRun | null = null;
  if (o.scratch) {
    setSeed((o.seed ?? 0) + 2);
    const m = build();
    const r = await train1(m, o.scratchLr, 1, 'scratch');
    scratch = { history: r.history, testAccuracy: r.testAccuracy, seconds: r.seconds };
    m.dispose();
  }
  log(`test accuracy after ${o.epochs} epochs: fine-tuned ${pct(ft.testAccuracy)} (${ft.seconds.toFixed(0)}s)${scratch ? `, from scratch ${pct(scratch.testAccuracy)} (${scratch.seconds.toFixed(0)}s)` : ''}`);
  const files = await writePlots(join(o.out, o.net), ft.history);
  if (scratch) files.push(...(await writePlots(join(o.out, o.net, 'scratch'), scratch.history)));
  const seconds = secs(t0);
  writeJson(join(o.out, o.net, 'result.json'), {
    net: o.net, weights, train: train.size, test: test.size, size: o.size, epochs: o.epochs,
    finetune: { history: ft.history.history, testAccuracy: ft.testAccuracy, seconds: ft.seconds },
    scratch: scratch && { history: scratch.history.history, testAccuracy: scratch.testAccuracy, seconds: scratch.seconds }, lrMultCheck, seconds,
  });
  log(`lr_mult ${o.lrMult}: mean |update| output ${lrMultCheck.output.toExponential(2)} vs last feature conv ${lrMultCheck.features.toExponential(2)}; wrote ${files.join(', ')}; ${seconds.toFixed(0)}s`);
  finetune.dispose();
  return { finetune: { history: ft.history, testAccuracy: ft.testAccuracy, seconds: ft.seconds }, scratch, weights, lrMultCheck, frozenLayers: 0, outputChanged, featuresChanged, seconds, files };
}

if (isMain(import.meta.url)) {
  const a = cliArgs();
  const base = a.full ? FULL : REDUCED;
  await device();
  const o: GluonOptions = {
    ...base,
    data: a.get('data') ?? null,
    epochs: Number(a.get('epochs') ?? base.epochs),
    trainPerClass: Number(a.get('per-class') ?? base.trainPerClass),
    testPerClass: Number(a.get('test-per-class') ?? base.testPerClass),
    batchSize: Number(a.get('batch') ?? base.batchSize),
    out: a.out ?? base.out,
  };
  await runGluon(o);
  if (!a.full) {
    // The recipe's own architecture at the reduced size: mechanics with seeded random weights (or the cache's).
    await runGluon({ ...o, net: 'resnet18_v2', epochs: 2, scratch: false, lr: 0.01 });
  }
  process.exit(0);
}
