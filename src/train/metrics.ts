// Keras metrics as batch functions: (yPred, yTrue) -> a scalar tensor on the GPU, no readback
// (the fit loop sums them, weighted by batch size, and reads once per epoch). One kernel writes
// per-row numerators and denominators; the metric is sum(num) / sum(den). Precision and recall
// are therefore per-batch ratios, averaged over batches by fit (Keras accumulates counts).
import { dispatch, f32, grid1d } from '../gpu/dispatch.ts';
import { div } from '../kernels/elementwise.ts';
import { reduce } from '../kernels/reduce.ts';
import { addScalar } from '../kernels/scale.ts';
import { noGrad } from '../graph/tape.ts';
import { Tensor, shapeStr } from '../graph/tensor.ts';
import { targetTensor, type Target } from './losses/targets.ts';

const METRIC = { shader: 'metric', inputs: 2, outputs: 2 };
const KINDS = {
  sparse_categorical_accuracy: 0,
  categorical_accuracy: 1,
  sparse_top_k_categorical_accuracy: 2,
  top_k_categorical_accuracy: 3,
  binary_accuracy: 4,
  mean_squared_error: 5,
  mean_absolute_error: 6,
  precision: 7,
  recall: 8,
} as const;
export type MetricName = keyof typeof KINDS;

export type Metric = ((yPred: Tensor, yTrue: Target) => Tensor) & { metricName: string };

const SPARSE = new Set<MetricName>(['sparse_categorical_accuracy', 'sparse_top_k_categorical_accuracy']);

function compute(name: MetricName, yPred: Tensor, yTrue: Target, k: number, threshold: number): Tensor {
  if (yPred.rank < 1 || yPred.size === 0) throw new Error(`${name}: prediction ${shapeStr(yPred.shape)} is empty`);
  const cols = yPred.shape[yPred.rank - 1];
  const rows = yPred.size / cols;
  const { t, owned } = targetTensor(yTrue, SPARSE.has(name) ? rows : yPred.size, name, SPARSE.has(name) ? cols : undefined);
  const num = Tensor.empty([rows], `${name}_num`);
  const den = Tensor.empty([rows], `${name}_den`);
  dispatch(METRIC, [yPred, t], [num, den], [rows, cols, KINDS[name], k, f32(threshold)], grid1d(yPred.device, Math.ceil(rows / 256)), `${name} ${shapeStr(yPred.shape)}`);
  if (owned) t.dispose();
  const sn = reduce('sum', num);
  const sd = reduce('sum', den);
  num.dispose();
  den.dispose();
  // Counts are integers: a tiny addend turns 0 / 0 (no positives) into Keras's 0.
  const safe = addScalar(sd, 1e-12);
  const out = div(sn, safe);
  for (const x of [sn, sd, safe]) x.dispose();
  return out;
}

/** A metric by Keras name; `k` for top-k (default 5), `threshold` for the binary ones (0.5). */
export function metric(name: MetricName, opts: { k?: number; threshold?: number } = {}): Metric {
  if (!(name in KINDS)) throw new Error(`unknown metric '${name}' (supported: ${Object.keys(KINDS).join(', ')}, accuracy, mse, mae)`);
  const k = opts.k ?? 5;
  const threshold = opts.threshold ?? 0.5;
  return Object.assign((p: Tensor, t: Target) => noGrad(() => compute(name, p, t, k, threshold)), { metricName: name });
}

/**
 * Keras's 'accuracy' resolved by the loss (as compile does): sparse losses take the sparse
 * accuracy, binary cross-entropy (or one output unit) the binary one, others the categorical.
 */
export function getMetric(name: string, lossName = '', outputUnits = 0): Metric {
  if (name === 'accuracy' || name === 'acc') {
    const which: MetricName = lossName.startsWith('sparse_')
      ? 'sparse_categorical_accuracy'
      : lossName === 'binary_crossentropy' || outputUnits === 1
        ? 'binary_accuracy'
        : 'categorical_accuracy';
    return Object.assign(metric(which), { metricName: 'accuracy' });
  }
  const alias: Record<string, MetricName> = { mse: 'mean_squared_error', mae: 'mean_absolute_error', top_k: 'top_k_categorical_accuracy' };
  const m = metric(alias[name] ?? (name as MetricName));
  if (alias[name]) m.metricName = name;
  return m;
}
