// Learning-rate callbacks with Keras's names: ReduceLROnPlateau and LearningRateScheduler, and a
// few schedules (step, exponential, cosine) usable as the scheduler's function.
import { Callback, improves, opt, type Logs } from './callback.ts';

export interface ReduceLROnPlateauArgs {
  monitor?: string;
  factor?: number;
  patience?: number;
  mode?: 'auto' | 'min' | 'max';
  minDelta?: number;
  cooldown?: number;
  minLr?: number;
}

export class ReduceLROnPlateau extends Callback {
  readonly monitor: string;
  readonly factor: number;
  readonly patience: number;
  readonly minDelta: number;
  readonly cooldown: number;
  readonly minLr: number;
  private readonly better: (a: number, b: number, d: number) => boolean;
  best = NaN;
  wait = 0;
  cooldownCounter = 0;
  /** Epochs after which the rate was lowered. */
  reductions: number[] = [];

  constructor(args: ReduceLROnPlateauArgs & Record<string, unknown> = {}) {
    super();
    this.monitor = opt(args, 'monitor', 'monitor', 'val_loss');
    this.factor = opt(args, 'factor', 'factor', 0.1);
    if (this.factor >= 1) throw new Error('ReduceLROnPlateau: factor must be < 1');
    this.patience = opt(args, 'patience', 'patience', 10);
    this.minDelta = opt(args, 'minDelta', 'min_delta', 1e-4);
    this.cooldown = opt(args, 'cooldown', 'cooldown', 0);
    this.minLr = opt(args, 'minLr', 'min_lr', 0);
    this.better = improves(this.monitor, opt(args, 'mode', 'mode', 'auto'));
  }

  override onTrainBegin(): void {
    this.best = NaN;
    this.wait = 0;
    this.cooldownCounter = 0;
  }

  override onEpochEnd(epoch: number, logs: Logs): void {
    logs.lr = this.trainer.optimizer.learningRate;
    const v = logs[this.monitor];
    if (v === undefined) return;
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.wait = 0;
    }
    if (Number.isNaN(this.best) || this.better(v, this.best, this.minDelta)) {
      this.best = v;
      this.wait = 0;
    } else if (this.cooldownCounter === 0) {
      this.wait++;
      if (this.wait >= this.patience) {
        const old = this.trainer.optimizer.learningRate;
        if (old > this.minLr) {
          this.trainer.optimizer.learningRate = Math.max(old * this.factor, this.minLr);
          this.reductions.push(epoch);
          this.cooldownCounter = this.cooldown;
          this.wait = 0;
        }
      }
    }
  }
}

/** schedule(epoch, lr) -> new lr, applied at the start of each epoch (Keras LearningRateScheduler). */
export class LearningRateScheduler extends Callback {
  constructor(readonly schedule: (epoch: number, lr: number) => number) {
    super();
  }
  override onEpochBegin(epoch: number): void {
    const lr = this.schedule(epoch, this.trainer.optimizer.learningRate);
    if (!Number.isFinite(lr)) throw new Error(`LearningRateScheduler: schedule gave ${lr} at epoch ${epoch}`);
    this.trainer.optimizer.learningRate = lr;
  }
  override onEpochEnd(_e: number, logs: Logs): void {
    logs.lr = this.trainer.optimizer.learningRate;
  }
}

/** Schedules by name for the CLI: "step:0.5:10", "exp:0.9", "cosine:EPOCHS[:min]". */
export function scheduleFrom(spec: string, baseLr: number): (epoch: number, lr: number) => number {
  const [kind, a, b] = spec.split(':');
  const n = (s: string | undefined, d: number) => (s === undefined || s === '' ? d : Number(s));
  switch (kind) {
    case 'step':
      return (e) => baseLr * Math.pow(n(a, 0.1), Math.floor(e / n(b, 10)));
    case 'exp':
      return (e) => baseLr * Math.pow(n(a, 0.9), e);
    case 'cosine': {
      const total = n(a, 10);
      const min = n(b, 0);
      return (e) => min + 0.5 * (baseLr - min) * (1 + Math.cos((Math.PI * Math.min(e, total)) / total));
    }
    case 'constant':
      return () => baseLr;
    default:
      throw new Error(`unknown learning-rate schedule '${spec}' (step:FACTOR:EVERY, exp:GAMMA, cosine:EPOCHS[:MIN], constant)`);
  }
}

export type { Logs };
