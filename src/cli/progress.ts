// Training display for the CLI: a cli-progress bar per epoch (samples/s, loss, accuracy, ETA)
// and an epoch summary line; or, with --json, one JSON object per epoch (CONTRACTS keys).
import cliProgress from 'cli-progress';
import { Callback, type Logs } from '../train/callbacks/callback.ts';

const fmt = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '-' : Math.abs(v) >= 100 ? v.toFixed(1) : v.toPrecision(4));

/** The CONTRACTS per-epoch JSON: epoch (1-based as Keras prints), loss, accuracy|mse, val_*, seconds, samples_per_second. */
export function epochJson(epoch: number, logs: Logs): Record<string, number | null> {
  const out: Record<string, number | null> = { epoch: epoch + 1 };
  for (const [k, v] of Object.entries(logs)) out[k] = Number.isFinite(v) ? v : null;
  return out;
}

export class ProgressCallback extends Callback {
  private bar: cliProgress.SingleBar | null = null;
  private seen = 0;
  private t0 = 0;
  constructor(
    private readonly o: { json: boolean; epochs: number; samples: number; batchSize: number; phase?: string; write?: (s: string) => void },
  ) {
    super();
  }
  private write(s: string) {
    (this.o.write ?? ((x: string) => process.stdout.write(x + '\n')))(s);
  }
  override onEpochBegin(epoch: number): void {
    this.seen = 0;
    this.t0 = performance.now();
    if (this.o.json || !process.stderr.isTTY) return;
    this.bar = new cliProgress.SingleBar(
      {
        format: `${this.o.phase ? this.o.phase + ' ' : ''}epoch ${epoch + 1}/${this.o.epochs} [{bar}] {value}/{total} | {sps} samples/s | loss {loss} | acc {acc} | ETA {eta_formatted}`,
        stream: process.stderr,
        hideCursor: true,
        clearOnComplete: true,
        etaBuffer: 20,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(this.o.samples, 0, { sps: '-', loss: '-', acc: '-' });
  }
  override onBatchEnd(_b: number, logs?: Logs): void {
    this.seen += logs?.size ?? 0;
    if (!this.bar) return;
    const secs = (performance.now() - this.t0) / 1000;
    const extra: Record<string, string> = { sps: (this.seen / Math.max(secs, 1e-9)).toFixed(1) };
    if (logs?.loss !== undefined) extra.loss = fmt(logs.loss);
    const acc = logs?.accuracy ?? logs?.sparse_categorical_accuracy ?? logs?.categorical_accuracy ?? logs?.binary_accuracy;
    if (acc !== undefined) extra.acc = fmt(acc);
    this.bar.update(this.seen, extra);
  }
  override onEpochEnd(epoch: number, logs: Logs): void {
    this.bar?.stop();
    this.bar = null;
    if (this.o.json) {
      this.write(JSON.stringify(epochJson(epoch, logs)));
      return;
    }
    const keys = Object.keys(logs).filter((k) => !['seconds', 'samples_per_second', 'lr'].includes(k));
    const parts = keys.map((k) => `${k} ${fmt(logs[k])}`);
    this.write(
      `${this.o.phase ? this.o.phase + ' ' : ''}epoch ${epoch + 1}/${this.o.epochs}: ${parts.join(' | ')} | ${logs.seconds.toFixed(1)}s, ${logs.samples_per_second.toFixed(0)} samples/s`,
    );
  }
}
