// The trainer: Keras's compile/fit/evaluate/predict over a Model. One step is
// tidy(forward(training) -> loss -> backward -> optimizer.step); the running loss and metrics are
// summed on the GPU and read back only at the end of an epoch (or every `progressEvery` steps).
// A frozen prefix runs under noGrad(); when it is deterministic its output is cached per sample
// during the first epoch and later epochs train the rest from the cache (bottleneck.ts).
// Under the mixed and f16 precisions the step is loss-scaled (loss-scale.ts): backward is seeded
// with the scale, the gradients are unscaled and checked on the GPU, and the optimizer's gated
// kernels skip the step there when one is inf/NaN; the scaler's state is read at epoch ends.
import { add as addK } from '../kernels/elementwise.ts';
import { zeros } from '../kernels/fill.ts';
import { scaleBy } from '../kernels/scale.ts';
import type { Model } from '../graph/model.ts';
import { currentDevice } from '../graph/engine.ts';
import { precisionOf, setPrecision, type Precision } from '../gpu/precision.ts';
import { keep, tidy } from '../graph/scope.ts';
import { backward, noGrad } from '../graph/tape.ts';
import { Tensor, sizeOf, type Shape } from '../graph/tensor.ts';
import type { Optimizer } from './optimizer.ts';
import { LossScaler, resolveLossScale, type LossScaleConfig, type LossScaleOption, type LossScaleStatus } from './loss-scale.ts';
import { cacheOffNotice, FeatureCache, runPrefix, runSuffix, splitModel, type CacheOptions, type ModelSplit } from './bottleneck.ts';
import type { Callback, Logs } from './callbacks/callback.ts';
import type { Dataset } from './data/image-folder.ts';

/** A loss: predictions and targets (batch first) -> a scalar, the (sample-weighted) batch mean. */
export type LossFn = ((yPred: Tensor, yTrue: Tensor, sampleWeight?: Tensor | null) => Tensor) & { lossName?: string };
/** A metric: predictions and targets -> a scalar, the batch mean. Named by `metricName` or the function's name. */
export type MetricFn = ((yPred: Tensor, yTrue: Tensor) => Tensor) & { metricName?: string };

export interface CompileArgs {
  optimizer: Optimizer;
  loss: LossFn;
  metrics?: MetricFn[] | Record<string, MetricFn>;
  /** Precision of the matmul/conv kernels (src/gpu/precision.ts); set for the whole device, left as is when absent. */
  precision?: Precision;
  /**
   * Loss scaling (loss-scale.ts): 'dynamic' (start 2^15, halve and skip the step on inf/NaN
   * gradients, double after 2000 good steps), a fixed scale, false or 1 for none, or
   * { initial, growthInterval, dynamic }. Default: dynamic under mixed/f16, none under f32
   * (the device's precision when fit starts).
   */
  lossScale?: LossScaleOption;
}

/** Samples by index: arrays, image folders (decoded on demand), anything batchable. */
export interface DataSource {
  readonly size: number;
  /** Per-sample input and target shapes (batch excluded). */
  readonly xShape: Shape;
  readonly yShape: Shape;
  get(indices: readonly number[]): Promise<{ x: Float32Array; y: Float32Array }> | { x: Float32Array; y: Float32Array };
  /** Targets only (cheap), used once the inputs come from the bottleneck cache. */
  targets?(indices: readonly number[]): Float32Array;
  /** False when `get` augments (random crops, flips): the bottleneck cache is then off. */
  readonly deterministic?: boolean;
  readonly classNames?: string[];
}

/** A DataSource over arrays `x` [n, ...xShape] and `y` [n, ...yShape]. */
export function arrayData(x: Float32Array, xShape: Shape, y: Float32Array, yShape: Shape): DataSource {
  const xs = sizeOf(xShape.slice(1));
  const ys = sizeOf(yShape.slice(1));
  const n = xShape[0];
  if (yShape[0] !== n) throw new Error(`arrayData: ${n} inputs but ${yShape[0]} targets`);
  if (x.length !== n * xs || y.length !== n * ys) throw new Error('arrayData: array lengths do not match their shapes');
  const rows = (a: Float32Array, size: number, idx: readonly number[]) => {
    const out = new Float32Array(idx.length * size);
    idx.forEach((s, r) => out.set(a.subarray(s * size, (s + 1) * size), r * size));
    return out;
  };
  return {
    size: n,
    xShape: xShape.slice(1),
    yShape: yShape.slice(1),
    get: (idx) => ({ x: rows(x, xs, idx), y: rows(y, ys, idx) }),
    targets: (idx) => rows(y, ys, idx),
    deterministic: true,
  };
}

/**
 * A DataSource over a per-sample Dataset (src/train/data: arrays, image folders). Class-index
 * targets stay [1] unless `oneHot` gives the class count. Samples decode in parallel per batch.
 */
export function fromDataset(ds: Dataset & { classNames?: string[] }, opts: { oneHot?: number; deterministic?: boolean } = {}): DataSource {
  const k = opts.oneHot ?? 0;
  const ySize = k || ds.targetSize;
  return {
    size: ds.size,
    xShape: ds.inputShape,
    yShape: [ySize],
    deterministic: opts.deterministic ?? true,
    classNames: ds.classNames,
    async get(idx) {
      const xs = sizeOf(ds.inputShape);
      const x = new Float32Array(idx.length * xs);
      const y = new Float32Array(idx.length * ySize);
      const samples = await Promise.all(idx.map((i) => ds.get(i)));
      samples.forEach((s, r) => {
        if (!s) throw new Error(`sample ${idx[r]} could not be read`);
        x.set(s.x, r * xs);
        if (k) y[r * k + Math.round(Number(s.y))] = 1;
        else if (typeof s.y === 'number') y[r] = s.y;
        else y.set(s.y, r * ySize);
      });
      return { x, y };
    },
  };
}

/** Samples [start, end) of a source. */
export function subset(src: DataSource, start: number, end: number): DataSource {
  const map = (idx: readonly number[]) => idx.map((i) => i + start);
  return {
    size: end - start,
    xShape: src.xShape,
    yShape: src.yShape,
    get: (idx) => src.get(map(idx)),
    targets: src.targets ? (idx) => src.targets!(map(idx)) : undefined,
    deterministic: src.deterministic,
    classNames: src.classNames,
  };
}

export interface FitArgs {
  epochs?: number;
  batchSize?: number;
  /** Fraction of the samples held out for validation: the last ones, as Keras's fit does. */
  validationSplit?: number;
  validationData?: DataSource;
  callbacks?: Callback[];
  shuffle?: boolean;
  /** Seeds the per-epoch shuffle (each epoch's order depends on seed and epoch only). */
  seed?: number;
  /** Loss weight per class index (Keras class_weight). */
  classWeight?: Record<number, number> | number[];
  /** First epoch to run (resume): epochs before it are taken as done. */
  initialEpoch?: number;
  /** Bottleneck cache: on where valid (default), false to recompute the frozen prefix. */
  cache?: boolean | CacheOptions;
  /** Read the running loss back every N steps for progress displays (0: only at epoch end). */
  progressEvery?: number;
}

export interface History {
  epoch: number[];
  history: Record<string, number[]>;
}

export interface EpochStats {
  epoch: number;
  seconds: number;
  samplesPerSecond: number;
  /** 'gpu' | 'host' when the inputs came from the bottleneck cache, 'fill' while filling it, '' when off. */
  cache: string;
}

export interface TrainerState {
  /** Epochs completed. */
  epoch: number;
  learningRate: number;
  weights: { name: string; shape: number[]; data: Float32Array }[];
  optimizer?: Record<string, unknown>;
  history: History;
  /** The loss scaler's scale and counters, when one ran. */
  lossScale?: { scale: number; growth: number; skipped: number };
}

function permutation(n: number, seed: number, epoch: number): number[] {
  let s = (Math.imul(seed + 1, 0x9e3779b1) ^ Math.imul(epoch + 1, 0x85ebca6b)) >>> 0 || 1;
  const r = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

/** Class index of each target row: argmax of one-hot rows, the value of sparse or 1-unit ones. */
export function targetClasses(y: Float32Array, rowSize: number): number[] {
  const n = y.length / rowSize;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    if (rowSize === 1) {
      out.push(Math.round(y[i]));
      continue;
    }
    let best = 0;
    for (let j = 1; j < rowSize; j++) if (y[i * rowSize + j] > y[i * rowSize + best]) best = j;
    out.push(best);
  }
  return out;
}

/** Keras's class_weight='balanced': n / (classes * count). */
export function balancedClassWeight(classes: number[]): number[] {
  const k = Math.max(...classes) + 1;
  const count = new Array(k).fill(0);
  for (const c of classes) count[c]++;
  return count.map((c) => (c ? classes.length / (k * c) : 0));
}

const nameOf = (f: { metricName?: string; lossName?: string; name: string }) => f.metricName ?? f.lossName ?? f.name;

export class Trainer {
  readonly optimizer: Optimizer;
  readonly loss: LossFn;
  readonly metrics: { name: string; fn: MetricFn }[];
  history: History = { epoch: [], history: {} };
  /** Set by callbacks (EarlyStopping): stop after the current epoch. */
  stopTraining = false;
  /** Set by stop(): leave at the next batch (Ctrl-C); the epoch in progress is discarded. */
  private aborted = false;
  /** Timing of each epoch run by the last fit (the bottleneck speedup shows here). */
  epochStats: EpochStats[] = [];
  /** The split used by the last fit, if any (layers below it ran under noGrad). */
  split: ModelSplit | null = null;
  readonly lossScaleOption: LossScaleOption | undefined;
  private scaler: LossScaler | null = null;
  /** A checkpoint's scaler state, applied when the scaler is made. */
  private pendingScale: TrainerState['lossScale'] | null = null;
  /** True while fit runs the optimizer gated: its step count is then the GPU's. */
  private countingOnGpu = false;

  constructor(
    readonly model: Model,
    args: CompileArgs,
  ) {
    this.optimizer = args.optimizer;
    this.loss = args.loss;
    this.lossScaleOption = args.lossScale;
    if (args.lossScale !== undefined) resolveLossScale(args.lossScale, 'f32'); // refuse bad values now
    const m = args.metrics ?? [];
    this.metrics = Array.isArray(m) ? m.map((fn) => ({ name: nameOf(fn), fn })) : Object.entries(m).map(([name, fn]) => ({ name, fn }));
  }

  get lossName(): string {
    return 'loss';
  }

  /** The loss scaling fit uses now (the option, or the default of the device's precision). */
  get lossScaleConfig(): LossScaleConfig | null {
    return resolveLossScale(this.lossScaleOption, precisionOf(this.model.weights[0]?.device ?? currentDevice()));
  }

  /** The loss scaler of the last fit (null when it ran without scaling). */
  get lossScaler(): LossScaler | null {
    return this.scaler;
  }

  /** The scaler's state read back (a synchronization point); null without loss scaling. */
  async lossScaleStatus(): Promise<LossScaleStatus | null> {
    return this.scaler ? this.scaler.read() : null;
  }

  /** The scaler for this fit: kept across fits while the configuration stays the same. */
  private prepareScaler(): LossScaler | null {
    const c = this.lossScaleConfig;
    const same = (a: LossScaleConfig, b: LossScaleConfig) => a.dynamic === b.dynamic && a.initial === b.initial && a.growthInterval === b.growthInterval;
    if (this.scaler && (!c || !same(this.scaler.config, c))) {
      this.scaler.dispose();
      this.scaler = null;
    }
    if (c && !this.scaler) {
      this.scaler = new LossScaler(c, this.model.weights[0]?.device);
      if (this.pendingScale) this.scaler.write(this.pendingScale);
      this.pendingScale = null;
    }
    // The GPU counts the optimizer's steps while it runs gated: start from the host's count.
    this.countingOnGpu = !!this.scaler && !!this.optimizer.stepGated && typeof this.optimizer.iterations === 'number';
    if (this.countingOnGpu) this.scaler!.write({ iterations: this.optimizer.iterations });
    return this.scaler;
  }

  /** Reads the scaler's state and hands the GPU's step count back to the optimizer. */
  private async pullScaler(): Promise<LossScaleStatus | null> {
    if (!this.scaler) return null;
    const s = await this.scaler.read();
    if (this.countingOnGpu) this.optimizer.iterations = s.iterations;
    return s;
  }

  /** Asks fit to leave at the next batch boundary (the epoch in progress is not recorded). */
  stop(): void {
    this.aborted = true;
    this.stopTraining = true;
  }
  get wasAborted(): boolean {
    return this.aborted;
  }

  async fit(data: DataSource, args: FitArgs = {}): Promise<History> {
    const epochs = args.epochs ?? 1;
    const batchSize = args.batchSize ?? 32;
    const callbacks = args.callbacks ?? [];
    let train = data;
    let val = args.validationData ?? null;
    if (!val && args.validationSplit) {
      const nVal = Math.floor(data.size * args.validationSplit);
      if (nVal > 0) {
        train = subset(data, 0, data.size - nVal);
        val = subset(data, data.size - nVal, data.size);
      }
    }
    const trainable = this.model.trainableWeights;
    if (!trainable.length) throw new Error('fit: the model has no trainable weights (everything is frozen)');
    const split = splitModel(this.model);
    this.split = split;
    const cacheOpts = typeof args.cache === 'object' ? args.cache : {};
    const cacheOn = args.cache !== false && !!split && split.deterministic;
    if (args.cache !== false && split && !split.deterministic) console.warn(cacheOffNotice(split));
    const trainCache = cacheOn && train.deterministic !== false ? new FeatureCache(train.size, split!.cutShape, cacheOpts) : null;
    const valCache = cacheOn && val && val.deterministic !== false ? new FeatureCache(val.size, split!.cutShape, cacheOpts) : null;
    const ySize = sizeOf(train.yShape);
    const classWeight = args.classWeight;
    const scaler = this.prepareScaler();
    const gated = !!scaler && !!this.optimizer.stepGated;
    let skippedBefore = scaler ? (await scaler.read()).skipped : 0;
    this.stopTraining = false;
    this.aborted = false;
    this.epochStats = [];
    for (const cb of callbacks) cb.setTrainer(this);
    for (const cb of callbacks) await cb.onTrainBegin();
    try {
      for (let epoch = args.initialEpoch ?? 0; epoch < epochs && !this.stopTraining; epoch++) {
        for (const cb of callbacks) await cb.onEpochBegin(epoch);
        const t0 = performance.now();
        const order = args.shuffle === false ? Array.from({ length: train.size }, (_, i) => i) : permutation(train.size, args.seed ?? 0, epoch);
        const cacheMode = trainCache ? (trainCache.complete ? trainCache.where : 'fill') : '';
        let sums = keep(zeros([1 + this.metrics.length]));
        const batches = Math.ceil(train.size / batchSize);
        for (let b = 0; b < batches; b++) {
          const idx = order.slice(b * batchSize, (b + 1) * batchSize);
          const { feat, y } = await this.batch(train, split, trainCache, idx, ySize, true);
          const sw = classWeight ? Tensor.from(targetClasses(y.host, ySize).map((c) => classWeight[c] ?? 1), [idx.length]) : null;
          const next = tidy(() => {
            const yPred = split ? runSuffix(split, feat, { training: true }) : this.model.call([feat], { training: true });
            const loss = this.loss(yPred, y.t, sw);
            const mvals = noGrad(() => this.metrics.map((m) => m.fn(yPred, y.t).reshape([1])));
            if (scaler) {
              // Scaled loss: seed backward with the scale (the loss itself stays unscaled for the logs).
              backward(loss, scaler.seed.reshape(loss.shape));
              scaler.unscale(trainable);
              scaler.update(this.optimizer.gateConstants?.() ?? { decay: 0 });
              if (gated) this.optimizer.stepGated!(trainable, scaler.state);
            } else {
              backward(loss);
              this.optimizer.step(trainable);
            }
            const batchVals = this.concatScalars([loss.reshape([1]), ...mvals]);
            return addK(sums, scaleBy(batchVals, idx.length));
          });
          sums.dispose();
          sums = keep(next);
          if (scaler && !gated) {
            // An optimizer without gated kernels: the decision comes back to the host every step.
            if (await scaler.lastSkipped()) for (const v of trainable) v.zeroGrad();
            else this.optimizer.step(trainable);
          }
          feat.dispose();
          y.t.dispose();
          sw?.dispose();
          let logs: Logs = { batch: b, size: idx.length };
          if (args.progressEvery && ((b + 1) % args.progressEvery === 0 || b === batches - 1)) {
            logs = { ...logs, ...this.named(await sums.data(), Math.min((b + 1) * batchSize, train.size)) };
          }
          for (const cb of callbacks) await cb.onBatchEnd(b, logs);
          if (this.aborted) break;
        }
        const scaled = await this.pullScaler();
        if (this.aborted) {
          sums.dispose();
          break;
        }
        const logs: Logs = this.named(await sums.data(), train.size);
        sums.dispose();
        const trainSeconds = (performance.now() - t0) / 1000;
        if (val) {
          const v = await this.evalLoop(val, batchSize, split, valCache);
          for (const [k, x] of Object.entries(v)) logs[`val_${k}`] = x;
        }
        const seconds = (performance.now() - t0) / 1000;
        if (scaled) {
          logs.loss_scale = scaled.scale;
          logs.skipped_steps = scaled.skipped - skippedBefore;
          skippedBefore = scaled.skipped;
        }
        logs.lr = this.optimizer.learningRate;
        logs.seconds = seconds;
        logs.samples_per_second = train.size / trainSeconds;
        this.epochStats.push({ epoch, seconds, samplesPerSecond: train.size / trainSeconds, cache: cacheMode });
        this.history.epoch.push(epoch);
        for (const [k, x] of Object.entries(logs)) (this.history.history[k] ??= []).push(x);
        for (const cb of callbacks) await cb.onEpochEnd(epoch, logs);
      }
      for (const cb of callbacks) await cb.onTrainEnd();
    } finally {
      // The step count back to the optimizer (quietly: an error in flight is the one to report).
      if (this.countingOnGpu) await this.pullScaler().catch(() => null);
      this.countingOnGpu = false;
      trainCache?.dispose();
      valCache?.dispose();
    }
    return this.history;
  }

  /** Loss and metrics over a data set (inference mode). */
  async evaluate(data: DataSource, args: { batchSize?: number } = {}): Promise<Logs> {
    return this.evalLoop(data, args.batchSize ?? 32, splitModel(this.model), null);
  }

  /** Model outputs for every sample, in order. */
  async predict(data: DataSource | { x: Float32Array; xShape: Shape }, args: { batchSize?: number } = {}): Promise<{ data: Float32Array; shape: number[] }> {
    const src = 'get' in data ? data : arrayData(data.x, data.xShape, new Float32Array(data.xShape[0]), [data.xShape[0], 1]);
    return predict(this.model, src, args.batchSize ?? 32);
  }

  private async evalLoop(src: DataSource, batchSize: number, split: ModelSplit | null, cache: FeatureCache | null): Promise<Logs> {
    const ySize = sizeOf(src.yShape);
    let sums = keep(zeros([1 + this.metrics.length]));
    for (let b = 0; b * batchSize < src.size; b++) {
      const idx = Array.from({ length: Math.min(batchSize, src.size - b * batchSize) }, (_, i) => b * batchSize + i);
      const { feat, y } = await this.batch(src, split, cache, idx, ySize, false);
      const next = noGrad(() =>
        tidy(() => {
          const yPred = split ? runSuffix(split, feat, { training: false }) : this.model.call([feat], { training: false });
          const vals = [this.loss(yPred, y.t, null).reshape([1]), ...this.metrics.map((m) => m.fn(yPred, y.t).reshape([1]))];
          return addK(sums, scaleBy(this.concatScalars(vals), idx.length));
        }),
      );
      sums.dispose();
      sums = keep(next);
      feat.dispose();
      y.t.dispose();
    }
    const out = this.named(await sums.data(), src.size);
    sums.dispose();
    return out;
  }

  /** One batch: the model input, or the cut tensor when the model is split (from the cache if filled). */
  private async batch(
    src: DataSource,
    split: ModelSplit | null,
    cache: FeatureCache | null,
    idx: number[],
    ySize: number,
    training: boolean,
  ): Promise<{ feat: Tensor; y: { t: Tensor; host: Float32Array } }> {
    let feat: Tensor;
    let yHost: Float32Array;
    if (cache && cache.has(idx)) {
      feat = keep(await cache.get(idx));
      yHost = cache.targets(idx);
    } else {
      const { x, y } = await src.get(idx);
      yHost = y;
      const xt = keep(Tensor.from(x, [idx.length, ...src.xShape]));
      if (!split) {
        feat = xt;
      } else {
        feat = keep(tidy(() => runPrefix(split, xt, { training })));
        xt.dispose();
        if (cache) {
          await cache.put(idx, feat);
          cache.putTargets(idx, yHost);
        }
      }
    }
    return { feat, y: { t: keep(Tensor.from(yHost, [idx.length, ...src.yShape])), host: yHost } };
  }

  /** [k] tensor from k one-element tensors (copies, no kernels). */
  private concatScalars(vals: Tensor[]): Tensor {
    const out = Tensor.empty([vals.length], 'scalars');
    vals.forEach((v, i) => out.device.copy(v.buffer, 0, out.buffer, i * 4, 4));
    out.device.flush(); // Device.dispatchRaw starts a new encoder after a copy: submit first.
    return out;
  }

  private named(sums: Float32Array, n: number): Logs {
    const logs: Logs = { loss: sums[0] / n };
    this.metrics.forEach((m, i) => (logs[m.name] = sums[i + 1] / n));
    return logs;
  }

  /** All weights (trainable or not) read back, by name, in model order. */
  async getWeights(): Promise<TrainerState['weights']> {
    const out: TrainerState['weights'] = [];
    for (const v of this.model.weights) out.push({ name: v.name, shape: [...v.shape], data: await v.data() });
    return out;
  }

  /** Assigns weights by position (Keras topological loading), checking sizes. */
  setWeights(weights: TrainerState['weights']): void {
    const vars = this.model.weights;
    if (weights.length !== vars.length) throw new Error(`setWeights: ${weights.length} arrays for ${vars.length} weights`);
    vars.forEach((v, i) => {
      if (weights[i].data.length !== v.size) {
        throw new Error(`setWeights: weight ${i} (${v.name}) has ${v.size} values, the state's ${weights[i].name} has ${weights[i].data.length}`);
      }
      v.assign(weights[i].data);
    });
  }

  /** What a resumable checkpoint holds: weights, optimizer slots, epochs done, history. */
  async getState(): Promise<TrainerState> {
    const scaled = await this.pullScaler();
    return {
      epoch: this.history.epoch.length ? this.history.epoch[this.history.epoch.length - 1] + 1 : 0,
      learningRate: this.optimizer.learningRate,
      weights: await this.getWeights(),
      optimizer: this.optimizer.getState ? await this.optimizer.getState() : undefined,
      history: structuredClone(this.history),
      ...(scaled ? { lossScale: { scale: scaled.scale, growth: scaled.growth, skipped: scaled.skipped } } : {}),
    };
  }

  setState(s: TrainerState): void {
    this.setWeights(s.weights);
    this.optimizer.learningRate = s.learningRate;
    if (s.optimizer && this.optimizer.setState) {
      // Slots are keyed by variable name: follow the weights' positions if the names changed.
      const rename = new Map(s.weights.map((w, i) => [w.name, this.model.weights[i].name]));
      const slots = s.optimizer.slots as Record<string, unknown> | undefined;
      const state = slots && typeof slots === 'object' ? { ...s.optimizer, slots: Object.fromEntries(Object.entries(slots).map(([k, v]) => [rename.get(k) ?? k, v])) } : s.optimizer;
      this.optimizer.setState(state);
    }
    this.history = structuredClone(s.history);
    if (s.lossScale) {
      if (this.scaler) this.scaler.write(s.lossScale);
      else this.pendingScale = s.lossScale;
    }
  }
}

/** Keras-style compile: a Trainer holding the optimizer, loss and metrics for `model`. */
export function compile(model: Model, args: CompileArgs): Trainer {
  if (args.precision) setPrecision(currentDevice(), args.precision);
  return new Trainer(model, args);
}

/** Runs the model (inference mode) over all samples; outputs concatenated on the host. */
export async function predict(model: Model, src: DataSource, batchSize = 32): Promise<{ data: Float32Array; shape: number[] }> {
  const outShape = model.outputShape;
  const rowSize = sizeOf(outShape);
  const out = new Float32Array(src.size * rowSize);
  for (let b = 0; b * batchSize < src.size; b++) {
    const idx = Array.from({ length: Math.min(batchSize, src.size - b * batchSize) }, (_, i) => b * batchSize + i);
    const { x } = await src.get(idx);
    const y = keep(
      noGrad(() =>
        tidy(() => {
          const xt = Tensor.from(x, [idx.length, ...src.xShape]);
          return model.call([xt], { training: false });
        }),
      ),
    );
    out.set(await y.data(), b * batchSize * rowSize);
    y.dispose();
  }
  return { data: out, shape: [src.size, ...outShape] };
}
