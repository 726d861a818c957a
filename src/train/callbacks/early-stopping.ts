// Keras EarlyStopping: stop when `monitor` has not improved by `min_delta` for `patience` epochs;
// with restore_best_weights, put back the weights of the best epoch when training ends.
import { Callback, improves, opt, type Logs } from './callback.ts';
import type { TrainerState } from '../fit.ts';

export interface EarlyStoppingArgs {
  monitor?: string;
  minDelta?: number;
  patience?: number;
  mode?: 'auto' | 'min' | 'max';
  baseline?: number;
  restoreBestWeights?: boolean;
  verbose?: number;
}

export class EarlyStopping extends Callback {
  readonly monitor: string;
  readonly minDelta: number;
  readonly patience: number;
  readonly restoreBestWeights: boolean;
  private readonly better: (a: number, b: number, d: number) => boolean;
  private readonly baseline: number | undefined;
  best = NaN;
  bestEpoch = -1;
  wait = 0;
  stoppedEpoch = -1;
  private bestWeights: TrainerState['weights'] | null = null;

  /** Keras names (min_delta, restore_best_weights) or camelCase. */
  constructor(args: EarlyStoppingArgs & Record<string, unknown> = {}) {
    super();
    this.monitor = opt(args, 'monitor', 'monitor', 'val_loss');
    this.minDelta = Math.abs(opt(args, 'minDelta', 'min_delta', 0));
    this.patience = opt(args, 'patience', 'patience', 0);
    this.restoreBestWeights = opt(args, 'restoreBestWeights', 'restore_best_weights', false);
    this.baseline = opt<number | undefined>(args, 'baseline', 'baseline', undefined);
    this.better = improves(this.monitor, opt(args, 'mode', 'mode', 'auto'));
  }

  override onTrainBegin(): void {
    this.wait = 0;
    this.best = this.baseline ?? NaN;
    this.bestEpoch = -1;
    this.bestWeights = null;
    this.stoppedEpoch = -1;
  }

  override async onEpochEnd(epoch: number, logs: Logs): Promise<void> {
    const v = logs[this.monitor];
    if (v === undefined) {
      console.warn(`EarlyStopping: '${this.monitor}' is not among the logged values (${Object.keys(logs).join(', ')})`);
      return;
    }
    if (Number.isNaN(this.best) || this.better(v, this.best, this.minDelta)) {
      this.best = v;
      this.bestEpoch = epoch;
      this.wait = 0;
      if (this.restoreBestWeights) this.bestWeights = await this.trainer.getWeights();
      return;
    }
    this.wait++;
    if (this.wait >= this.patience) {
      this.stoppedEpoch = epoch;
      this.trainer.stopTraining = true;
    }
  }

  override onTrainEnd(): void {
    if (this.restoreBestWeights && this.bestWeights && this.bestEpoch !== this.trainer.history.epoch.at(-1)) {
      this.trainer.setWeights(this.bestWeights);
    }
  }
}
