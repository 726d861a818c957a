// Keras-style callbacks: hooks the trainer calls around epochs and batches. `logs` carry the
// epoch's values under Keras names (loss, accuracy, val_loss, val_accuracy, lr, ...).
import type { Trainer } from '../fit.ts';

export type Logs = Record<string, number>;

export abstract class Callback {
  trainer!: Trainer;
  setTrainer(t: Trainer): void {
    this.trainer = t;
  }
  onTrainBegin(_logs?: Logs): void | Promise<void> {}
  onTrainEnd(_logs?: Logs): void | Promise<void> {}
  onEpochBegin(_epoch: number, _logs?: Logs): void | Promise<void> {}
  /** `logs` holds loss/metrics only on steps where the trainer read them back (progressEvery). */
  onBatchEnd(_batch: number, _logs?: Logs): void | Promise<void> {}
  onEpochEnd(_epoch: number, _logs: Logs): void | Promise<void> {}
}

/** Keras `mode`: whether a monitored quantity improves by going down or up. */
export function improves(monitor: string, mode: 'auto' | 'min' | 'max' = 'auto'): (a: number, b: number, delta: number) => boolean {
  const max = mode === 'max' || (mode === 'auto' && /acc|auc|precision|recall|^val_f/.test(monitor));
  return max ? (a, best, d) => a > best + d : (a, best, d) => a < best - d;
}

/** The snake_case/camelCase option pairs Keras users write, read as one. */
export function opt<T>(o: Record<string, unknown>, camel: string, snake: string, dflt: T): T {
  return (o[camel] ?? o[snake] ?? dflt) as T;
}
