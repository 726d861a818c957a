// wgft finetune: load or build a backbone, cut it, freeze a prefix, add a head, train with the
// bottleneck cache where valid, then write model.h5, history.json/.csv, curves (SVG, PNG) and a
// resumable checkpoint into --out. `--json` prints one object per epoch (CONTRACTS).
import { Command, Option } from 'commander';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { initWithPrecision, lossScaleOption, lossScaleText, parseLossScale, precisionOption } from './precision-flag.ts';
import type { LossScaleOption } from '../train/loss-scale.ts';
import { fileLines, loadState, saveState, stopOnSigint, writeHistory } from '../node/checkpoint.ts';
import { writePlots } from '../node/plots.ts';
import { compile, type DataSource, type Trainer, balancedClassWeight, targetClasses } from '../train/fit.ts';
import { freeze, applyLrMult, unfreezeFrom } from '../train/freeze.ts';
import { addHead } from '../train/head.ts';
import { CSVLogger, EarlyStopping, JsonLinesLogger, LearningRateScheduler, ModelCheckpoint, ReduceLROnPlateau, scheduleFrom } from '../train/callbacks/index.ts';
import type { Callback } from '../train/callbacks/callback.ts';
import { ProgressCallback } from './progress.ts';
import { Input, Model } from '../graph/model.ts';
import type { Layer } from '../graph/layer.ts';
import { UpSampling2D, UpSampling3D } from '../graph/layers/upsampling.ts';
import { checkpointOptions } from './checkpoint-flags.ts';
import { deviceLine, loadBackbone, loadData, makeLoss, makeMetrics, makeOptimizer, saveModel } from './train-setup.ts';
import { augmentLayers, preprocessRange, withAugmentation } from '../train/augment.ts';

export interface FinetuneOptions {
  model: string;
  weights?: string;
  data: string;
  cut?: string;
  noTop?: boolean;
  head: string;
  freeze: string;
  inputShape?: string;
  preprocess?: string;
  optimizer: string;
  lr: string;
  momentum?: string;
  lrMult: string[];
  lrSchedule?: string;
  epochs: string;
  batchSize: string;
  validationSplit: string;
  seed: string;
  loss?: string;
  targets?: string;
  metrics?: string;
  classWeight?: string;
  cache: boolean;
  resume?: boolean;
  earlyStopping?: string;
  reduceLr?: string;
  saveBest?: string | boolean;
  fineTuneFrom?: string;
  fineTuneEpochs?: string;
  fineTuneLr?: string;
  limit?: string;
  augment?: string;
  checkpoint?: string;
  exclude?: string;
  /** --map: checkpoint naming scheme (checkpoint-flags.ts). */
  map?: string;
  fromScratch?: boolean;
  crop?: string;
  validationData?: string;
  decay?: string;
  fromLogits?: boolean;
  front?: string;
  json?: boolean;
  out: string;
  plots: boolean;
  /** f32 | mixed | f16 (the flag defaults to f32; absent, the device keeps its precision). */
  precision?: string;
  /** --loss-scale: dynamic | N | none (absent: dynamic under mixed/f16, none under f32). */
  lossScale?: string | LossScaleOption;
}

const collect = (v: string, prev: string[]) => [...prev, v];

export function finetuneCommand(): Command {
  const [checkpoint, exclude, map] = checkpointOptions();
  return new Command('finetune')
    .description('fine-tune a pretrained model (file or zoo id) on an image folder or Fashion-MNIST')
    .requiredOption('--model <file|zoo-id>', 'Keras .h5/.keras, tfjs model.json, or a zoo id (vgg16, mobilenet, ...)')
    .option('--weights <imagenet|file>', 'weights for a zoo model (imagenet, or a Keras weights .h5)')
    .requiredOption('--data <dir|fashion-mnist>', 'image folder (one subfolder per class) or fashion-mnist')
    .option('--cut <layer>', 'keep the model up to and including LAYER (a zoo id is cut at its top by default)')
    .option('--no-top', 'for a file: cut before its last layer (same as --cut with the layer before it)')
    .option('--augment <spec>', 'random augmentation in front of the backbone (training only; turns the bottleneck cache off): flip[:horizontal|vertical|horizontal_and_vertical], rotation:F, zoom:F[:W], translation:H[:W], contrast:F, brightness:F')
    .option('--head <spec>', 'head on top of the cut: gap|gmp|flatten, dense:UNITS[:ACT], dropout:RATE, bn, act:NAME', 'gap,dense:CLASSES:softmax')
    .option('--freeze <N|LAYER|all|none>', "freeze backbone.layers[:N] (InputLayer = 0), up to LAYER, or all of it", 'all')
    .option('--input-shape <H,W,C>', 'rebuild a fully convolutional backbone at this input size')
    .option('--preprocess <mode>', 'inception|tf|caffe|vgg|torch|none (default: the model’s)')
    .addOption(new Option('--optimizer <name>', 'optimizer').choices(['adam', 'sgd', 'rmsprop']).default('adam'))
    .option('--lr <rate>', 'learning rate', '1e-3')
    .option('--momentum <m>', 'SGD momentum (or RMSprop momentum)')
    .option('--lr-mult <pattern=factor>', 'learning-rate multiplier for layers/weights matching a glob or substring (repeatable)', collect, [])
    .option('--lr-schedule <spec>', 'step:FACTOR:EVERY | exp:GAMMA | cosine:EPOCHS[:MIN] | constant')
    .option('--epochs <n>', 'epochs', '5')
    .option('--batch-size <n>', 'batch size', '64')
    .option('--validation-split <f>', 'fraction held out for validation', '0.2')
    .option('--seed <n>', 'seed for shuffling, splitting and new weights', '0')
    .option('--targets <spec>', 'regression targets from the class labels: class-normal:MEAN:STD:NOISE[:SEED] (the VGG16 prices recipe) or a JSON table of values per class; implies --loss mse')
    .option('--loss <name>', 'loss (default: categorical_crossentropy for softmax heads, binary_crossentropy for 1-unit sigmoid, mse otherwise)')
    .option('--metrics <list>', 'comma-separated metrics (default accuracy, or mse for regression)')
    .option('--class-weight <balanced|w0,w1,...>', 'per-class loss weights')
    .option('--no-cache', 'recompute the frozen prefix every epoch (no bottleneck cache)')
    .option('--resume', 'continue from --out/checkpoint.wgft (weights, optimizer state, epoch)')
    .option('--early-stopping <patience>', 'EarlyStopping on val_loss with restore_best_weights')
    .option('--reduce-lr <patience>', 'ReduceLROnPlateau on val_loss (factor 0.1)')
    .option('--save-best [monitor]', 'ModelCheckpoint(save_best_only): write best.h5 whenever MONITOR improves (default val_loss)')
    .option('--fine-tune-from <layer|N>', 'second phase: unfreeze the backbone from this layer on')
    .option('--fine-tune-epochs <n>', 'epochs of the second phase', '0')
    .option('--fine-tune-lr <rate>', 'learning rate of the second phase (default lr/10)')
    .option('--limit <n>', 'use at most N training samples (quick runs)')
    .addOption(checkpoint)
    .addOption(exclude)
    .addOption(map)
    .option('--from-scratch', 'same architecture, every weight freshly initialized (the comparison run)')
    .option('--crop <mode>', 'none|center|crop-or-pad: how images reach the input size (default: squash)')
    .option('--validation-data <dir>', 'a separate validation/test image folder (instead of --validation-split)')
    .option('--decay <d>', 'Keras 2 optimizer decay: lr / (1 + decay * iterations)')
    .option('--from-logits', "the loss takes logits (a linear last layer, as Gluon's SoftmaxCrossEntropyLoss)")
    .option('--front <spec>', 'layers before the backbone, on the --input-shape input: upsampling3d:D:H:W | upsampling2d:H:W (the backbone is built at their output size)')
    .option('--json', 'print one JSON object per epoch')
    .option('--out <dir>', 'output folder', 'finetune-out')
    .option('--no-plots', 'do not render loss/accuracy curves')
    .addOption(precisionOption())
    .addOption(lossScaleOption())
    .action(async (o: FinetuneOptions) => {
      await finetune(o);
    });
}

export async function finetune(o: FinetuneOptions, log: (s: string) => void = (s) => console.log(s)): Promise<Trainer> {
  const info = (s: string) => (o.json ? console.error(s) : log(s));
  const device = await initWithPrecision(o.precision);
  info(`device: ${deviceLine(device)}`);
  const seed = Number(o.seed ?? 0);
  const front = o.front ? frontLayers(o.front) : [];
  const modelInput = o.inputShape ? o.inputShape.split(',').map(Number) : undefined;
  if (front.length && !modelInput) throw new Error('--front needs --input-shape (the shape the front layers take)');
  const backboneShape = front.length ? front.reduce<number[]>((sh, l) => [...l.computeOutputShape([sh])], modelInput!) : undefined;
  const loaded = await loadBackbone(backboneShape ? { ...o, inputShape: backboneShape.join(',') } : o, seed);
  const { preprocess } = loaded;
  const inputShape = front.length ? modelInput! : loaded.inputShape;
  const dataOpts = { inputShape, preprocess: (o.preprocess ?? preprocess) as string, seed, crop: o.crop, limit: o.limit ? Number(o.limit) : undefined, targets: o.targets };
  const data = await loadData(o.data, { ...dataOpts, validationSplit: o.validationData ? 0 : Number(o.validationSplit ?? 0.2) });
  const valData = o.validationData ? await loadData(o.validationData, { ...dataOpts, validationSplit: 0, limit: undefined }) : null;
  const classes = data.classNames.length;
  const nFrozen = freeze(loaded.backbone, o.freeze ?? 'all');
  const backbone = front.length ? withFront(loaded.backbone, modelInput!, front) : loaded.backbone;
  const spec = (o.head ?? 'gap,dense:CLASSES:softmax').replace(/CLASSES/g, String(classes));
  const augmented = o.augment ? withAugmentation(backbone, augmentLayers(o.augment, { seed, valueRange: preprocessRange((o.preprocess ?? preprocess) as string) })) : backbone;
  const { model, head } = addHead(augmented, spec, 'finetuned');
  const outUnits = model.outputShape[model.outputShape.length - 1];
  const lastAct = String((head.at(-1)?.getConfig() as { activation?: string }).activation ?? 'linear');
  const regression = data.regression;
  const lossName = o.loss ?? (regression ? 'mse' : outUnits === 1 && lastAct === 'sigmoid' ? 'binary_crossentropy' : 'categorical_crossentropy');
  const oneHot = !regression && /^categorical|^kl/.test(lossName) && outUnits > 1 ? outUnits : 0;
  const train = data.train(oneHot);
  const val = valData ? valData.train(oneHot) : (data.validation?.(oneHot) ?? null);
  const optimizer = await makeOptimizer(o.optimizer ?? 'adam', Number(o.lr ?? 1e-3), o.momentum ? Number(o.momentum) : undefined, o.decay ? Number(o.decay) : undefined);
  if (o.lrMult?.length) applyLrMult(model, optimizer, o.lrMult);
  const metricNames = (o.metrics ?? (regression ? 'mse' : 'accuracy')).split(',').filter(Boolean);
  const lossScale = o.lossScale === undefined ? undefined : parseLossScale(o.lossScale);
  const trainer = compile(model, { optimizer, loss: await makeLoss(lossName, !!o.fromLogits), metrics: await makeMetrics(metricNames, lossName, outUnits), lossScale });
  info(
    `model: ${model.layers.length} layers, ${model.countParams()} parameters (${model.trainableWeights.reduce((s, v) => s + v.size, 0)} trainable); ` +
      `frozen backbone layers: ${nFrozen}/${loaded.backbone.layers.length}; head: ${spec}; data: ${train.size} train, ${val?.size ?? 0} validation, ${classes} classes`,
  );
  const scaling = trainer.lossScaleConfig;
  if (scaling || lossScale !== undefined) info(`loss scaling: ${lossScaleText(scaling)}`);

  mkdirSync(o.out, { recursive: true });
  const ckptPath = `${o.out}/checkpoint.wgft`;
  let initialEpoch = 0;
  if (o.resume) {
    if (!existsSync(ckptPath)) throw new Error(`--resume: ${ckptPath} does not exist (run without --resume first)`);
    const state = loadState(ckptPath);
    trainer.setState(state);
    initialEpoch = state.epoch;
    info(`resuming after epoch ${initialEpoch} from ${ckptPath}`);
  }
  const epochs = Number(o.epochs ?? 5);
  const batchSize = Number(o.batchSize ?? 64);
  let classWeight: number[] | undefined;
  if (o.classWeight === 'balanced') classWeight = balancedClassWeight(targetClasses((await train.get(range(train.size))).y, train.yShape.reduce((a, b) => a * b, 1)));
  else if (o.classWeight) classWeight = o.classWeight.split(',').map(Number);

  const callbacks = (phase: string, phaseEpochs: number, base: number): Callback[] => {
    const cbs: Callback[] = [
      new ModelCheckpoint({ filepath: ckptPath, monitor: 'loss', save: async (t, _e, _l, path) => saveState(path, await t.getState()) }),
      new CSVLogger(fileLines(`${o.out}/log.csv`, initialEpoch > 0 || phase !== ''), ',', initialEpoch > 0 || phase !== ''),
      new JsonLinesLogger(fileLines(`${o.out}/log.jsonl`, initialEpoch > 0 || phase !== '')),
    ];
    if (o.lrSchedule) cbs.push(new LearningRateScheduler(scheduleFrom(o.lrSchedule, base)));
    if (o.earlyStopping && val) cbs.push(new EarlyStopping({ monitor: 'val_loss', patience: Number(o.earlyStopping), restore_best_weights: true }));
    if (o.saveBest) {
      const monitor = typeof o.saveBest === 'string' ? o.saveBest : val ? 'val_loss' : 'loss';
      cbs.push(new ModelCheckpoint({ filepath: `${o.out}/best.h5`, monitor, save_best_only: true, save: async (t, _e, _l, path) => void (await saveModel(t.model, path)) }));
    }
    if (o.reduceLr && val) cbs.push(new ReduceLROnPlateau({ monitor: 'val_loss', patience: Number(o.reduceLr), factor: 0.1 }));
    cbs.push(new ProgressCallback({ json: !!o.json, epochs: phaseEpochs, samples: train.size, batchSize, phase, write: o.json ? undefined : log }));
    return cbs;
  };
  const unhook = stopOnSigint(trainer);
  try {
    await trainer.fit(train, {
      epochs,
      batchSize,
      validationData: val ?? undefined,
      seed,
      classWeight,
      initialEpoch,
      cache: o.cache !== false,
      progressEvery: o.json ? 0 : 5,
      callbacks: callbacks('', epochs, Number(o.lr ?? 1e-3)),
    });
    reportCache(trainer, info);
    const ftEpochs = Number(o.fineTuneEpochs ?? 0);
    if (o.fineTuneFrom && ftEpochs > 0 && !trainer.wasAborted) {
      const n = unfreezeFrom(loaded.backbone, o.fineTuneFrom);
      const lr = o.fineTuneLr ? Number(o.fineTuneLr) : Number(o.lr ?? 1e-3) / 10;
      optimizer.learningRate = lr;
      info(`phase 2: unfroze ${n} backbone layers from ${o.fineTuneFrom}; lr ${lr}`);
      await trainer.fit(train, {
        epochs: epochs + ftEpochs,
        initialEpoch: Math.max(epochs, trainer.history.epoch.length),
        batchSize,
        validationData: val ?? undefined,
        seed,
        classWeight,
        cache: o.cache !== false,
        progressEvery: o.json ? 0 : 5,
        callbacks: callbacks('fine-tune', epochs + ftEpochs, lr),
      });
    }
  } finally {
    unhook();
  }
  if (trainer.wasAborted) {
    info(`stopped; resume with --resume (checkpoint: ${ckptPath})`);
    return trainer;
  }
  writeHistory(o.out, trainer.history);
  writeFileSync(`${o.out}/classes.json`, JSON.stringify(data.classNames) + '\n');
  const saved = await saveModel(model, `${o.out}/model.h5`, data.classNames);
  info(saved ? `saved ${o.out}/model.h5` : 'model.h5 not written: the Keras H5 saver is not available in this build');
  if (o.plots !== false) {
    const files = await writePlots(o.out, trainer.history);
    info(`plots: ${files.join(', ')}`);
  }
  return trainer;
}

function reportCache(t: Trainer, info: (s: string) => void): void {
  const s = t.epochStats;
  const fill = s.find((e) => e.cache === 'fill');
  const cached = s.filter((e) => e.cache === 'gpu' || e.cache === 'host');
  if (fill && cached.length) {
    const avg = cached.reduce((a, e) => a + e.samplesPerSecond, 0) / cached.length;
    info(`bottleneck cache (${cached[0].cache}): ${fill.samplesPerSecond.toFixed(0)} -> ${avg.toFixed(0)} samples/s after the first epoch (x${(avg / fill.samplesPerSecond).toFixed(1)})`);
  } else if (t.split && !t.split.deterministic) {
    info('bottleneck cache off: the frozen prefix has random layers (dropout/augmentation)');
  }
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
export type { DataSource };

/** `--front`: Keras layers placed before the backbone (UpSampling3D on a 4-D tensor as Keras applies it). */
export function frontLayers(spec: string): Layer[] {
  return spec.split(',').filter((t) => t.trim()).map((tok) => {
    const [kind, ...args] = tok.trim().split(':');
    const n = args.map(Number);
    if (n.some((v) => !Number.isInteger(v) || v < 1)) throw new Error(`--front ${tok}: sizes must be positive integers`);
    if (kind === 'upsampling3d') return new UpSampling3D({ size: [n[0] ?? 2, n[1] ?? n[0] ?? 2, n[2] ?? n[0] ?? 2] });
    if (kind === 'upsampling2d') return new UpSampling2D({ size: [n[0] ?? 2, n[1] ?? n[0] ?? 2] });
    throw new Error(`--front: unknown layer '${kind}' (upsampling3d:D:H:W, upsampling2d:H:W)`);
  });
}

/** Input(shape) -> front layers -> backbone (its layers shared). */
function withFront(backbone: Model, shape: number[], layers: Layer[]): Model {
  const input = Input(shape, 'input_1');
  let x = input;
  for (const l of layers) x = l.apply(x);
  return new Model({ inputs: input, outputs: backbone.apply(x), name: 'front' });
}
