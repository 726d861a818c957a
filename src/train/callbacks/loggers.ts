// Loggers: Keras CSVLogger and a JSON-lines log (one object per epoch), each writing lines
// through a function (a file in Node: src/node/checkpoint.ts `appendLines`; an array in tests).
import { Callback, type Logs } from './callback.ts';
import type { History } from '../fit.ts';

export type LineWriter = (line: string) => void | Promise<void>;

export class CSVLogger extends Callback {
  private keys: string[] | null = null;
  /** Keras CSVLogger(filename, separator, append): with `append` no header is written again. */
  constructor(
    readonly write: LineWriter,
    readonly separator = ',',
    readonly append = false,
  ) {
    super();
  }
  override onTrainBegin(): void {
    this.keys = null;
  }
  override async onEpochEnd(epoch: number, logs: Logs): Promise<void> {
    if (!this.keys) {
      this.keys = Object.keys(logs).sort();
      if (!this.append) await this.write(['epoch', ...this.keys].join(this.separator));
    }
    await this.write([epoch, ...this.keys.map((k) => logs[k] ?? '')].join(this.separator));
  }
}

export class JsonLinesLogger extends Callback {
  constructor(readonly write: LineWriter) {
    super();
  }
  override async onEpochEnd(epoch: number, logs: Logs): Promise<void> {
    await this.write(JSON.stringify({ epoch, ...logs }));
  }
}

/** Calls fn at each epoch end (Keras LambdaCallback's on_epoch_end). */
export class LambdaCallback extends Callback {
  constructor(private readonly fns: { onEpochEnd?: (epoch: number, logs: Logs) => void | Promise<void>; onBatchEnd?: (batch: number, logs?: Logs) => void | Promise<void> }) {
    super();
  }
  override async onEpochEnd(epoch: number, logs: Logs): Promise<void> {
    await this.fns.onEpochEnd?.(epoch, logs);
  }
  override async onBatchEnd(batch: number, logs?: Logs): Promise<void> {
    await this.fns.onBatchEnd?.(batch, logs);
  }
}

/** History as CSV text: a header of keys, one row per epoch. */
export function historyCsv(h: History): string {
  const keys = Object.keys(h.history);
  const rows = h.epoch.map((e, i) => [e, ...keys.map((k) => h.history[k][i] ?? '')].join(','));
  return [['epoch', ...keys].join(','), ...rows].join('\n') + '\n';
}
