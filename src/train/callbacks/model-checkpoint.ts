// Keras ModelCheckpoint: after each epoch (or only when `monitor` improved, save_best_only),
// hands the trainer to a writer. The core writes no files: `save` does (src/node/checkpoint.ts
// writes an .h5 or a resumable state; tests keep the weights in memory).
import { Callback, improves, opt, type Logs } from './callback.ts';
import type { Trainer } from '../fit.ts';

export type CheckpointWriter = (trainer: Trainer, epoch: number, logs: Logs, filepath: string) => void | Promise<void>;

export interface ModelCheckpointArgs {
  /** Keras-style template: "ckpt-{epoch:02d}-{val_loss:.2f}.h5". */
  filepath?: string;
  monitor?: string;
  saveBestOnly?: boolean;
  mode?: 'auto' | 'min' | 'max';
  save: CheckpointWriter;
}

/** Fills Keras's `{name}` / `{name:02d}` / `{name:.4f}` fields; epochs count from 1 as in Keras. */
export function formatPath(template: string, epoch: number, logs: Logs): string {
  return template.replace(/\{(\w+)(?::([^}]*))?\}/g, (_, key: string, fmt?: string) => {
    const v = key === 'epoch' ? epoch + 1 : logs[key];
    if (v === undefined) return `{${key}}`;
    const m = fmt?.match(/^0?(\d*)d$/);
    if (m) return String(Math.round(v)).padStart(Number(m[1] || 0), '0');
    const f = fmt?.match(/^\.(\d+)f$/);
    if (f) return v.toFixed(Number(f[1]));
    return String(v);
  });
}

export class ModelCheckpoint extends Callback {
  readonly filepath: string;
  readonly monitor: string;
  readonly saveBestOnly: boolean;
  private readonly better: (a: number, b: number, d: number) => boolean;
  private readonly save: CheckpointWriter;
  best = NaN;
  /** Epochs actually saved. */
  saved: number[] = [];

  constructor(args: ModelCheckpointArgs & Record<string, unknown>) {
    super();
    this.filepath = opt(args, 'filepath', 'filepath', 'checkpoint.h5');
    this.monitor = opt(args, 'monitor', 'monitor', 'val_loss');
    this.saveBestOnly = opt(args, 'saveBestOnly', 'save_best_only', false);
    this.better = improves(this.monitor, opt(args, 'mode', 'mode', 'auto'));
    this.save = args.save;
  }

  override async onEpochEnd(epoch: number, logs: Logs): Promise<void> {
    if (this.saveBestOnly) {
      const v = logs[this.monitor];
      if (v === undefined) {
        console.warn(`ModelCheckpoint: '${this.monitor}' is not among the logged values; saving nothing`);
        return;
      }
      if (!Number.isNaN(this.best) && !this.better(v, this.best, 0)) return;
      this.best = v;
    }
    await this.save(this.trainer, epoch, logs, formatPath(this.filepath, epoch, logs));
    this.saved.push(epoch);
  }
}
