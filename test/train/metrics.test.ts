import { describe, it, beforeAll, expect } from 'vitest';
import { testDevice, upload } from '../helpers/gpu.ts';
import { randomArray, rng } from '../helpers/random.ts';
import { expectClose } from '../helpers/compare.ts';
import { tidy } from '../../src/graph/scope.ts';
import { metric, getMetric, type MetricName } from '../../src/train/metrics.ts';

const argmaxRow = (a: ArrayLike<number>, r: number, c: number) => {
  let b = 0;
  for (let j = 1; j < c; j++) if (a[r * c + j] > a[r * c + b]) b = j;
  return b;
};

/** Float64 references of the Keras metrics on one batch. */
function ref(name: MetricName, p: Float64Array, t: number[], rows: number, cols: number, k = 5, thr = 0.5): number {
  let num = 0, den = 0;
  for (let r = 0; r < rows; r++) {
    if (name.includes('accuracy') && name !== 'binary_accuracy') {
      const label = name.startsWith('sparse') ? t[r] : argmaxRow(t, r, cols);
      if (name.includes('top_k')) {
        let beat = 0;
        for (let j = 0; j < cols; j++) if (p[r * cols + j] > p[r * cols + label]) beat++;
        num += beat < k ? 1 : 0;
      } else num += argmaxRow(p, r, cols) === label ? 1 : 0;
      den++;
      continue;
    }
    for (let j = 0; j < cols; j++) {
      const x = p[r * cols + j], y = t[r * cols + j];
      if (name === 'binary_accuracy') { num += (y === (x > thr ? 1 : 0) ? 1 : 0) / cols; }
      else if (name === 'mean_squared_error') num += (x - y) ** 2 / cols;
      else if (name === 'mean_absolute_error') num += Math.abs(x - y) / cols;
      else {
        num += x > thr && y !== 0 ? 1 : 0;
        den += name === 'precision' ? (x > thr ? 1 : 0) : y !== 0 ? 1 : 0;
      }
    }
    if (name === 'binary_accuracy' || name.startsWith('mean')) den++;
  }
  return den === 0 ? 0 : num / den;
}

describe('metrics vs float64 references', () => {
  beforeAll(testDevice);
  const names: MetricName[] = ['sparse_categorical_accuracy', 'categorical_accuracy', 'sparse_top_k_categorical_accuracy', 'top_k_categorical_accuracy', 'binary_accuracy', 'mean_squared_error', 'mean_absolute_error', 'precision', 'recall'];
  for (const [rows, cols] of [[1, 7], [13, 4], [9, 1]])
    for (const name of names)
      it(`${name} ${rows}x${cols}`, async () => {
        const r = rng(rows * 31 + cols);
        const p = randomArray(rows * cols, rows + cols, 0, 1);
        const sparse = name.startsWith('sparse');
        const binary = ['binary_accuracy', 'precision', 'recall'].includes(name);
        const t = sparse
          ? Array.from({ length: rows }, () => Math.floor(r() * cols))
          : binary
            ? Array.from({ length: rows * cols }, () => (r() < 0.5 ? 1 : 0))
            : Array.from(randomArray(rows * cols, 99 + rows, 0, 1));
        const k = 2;
        const got = await tidy(() => metric(name, { k })(upload(p, [rows, cols]), t).data());
        expectClose(got, [ref(name, p, t, rows, cols, k)], 1e-6, name);
      });

  it("'accuracy' follows the loss, as Keras compile does", async () => {
    const p = [0.1, 0.7, 0.2, 0.5, 0.3, 0.2];
    expect(getMetric('accuracy', 'sparse_categorical_crossentropy').metricName).toBe('accuracy');
    const sparse = await tidy(() => getMetric('accuracy', 'sparse_categorical_crossentropy')(upload(p, [2, 3]), [1, 2]).data());
    expect(sparse[0]).toBeCloseTo(0.5, 6);
    const cat = await tidy(() => getMetric('acc', 'categorical_crossentropy')(upload(p, [2, 3]), [0, 1, 0, 1, 0, 0]).data());
    expect(cat[0]).toBeCloseTo(1, 6);
    const bin = await tidy(() => getMetric('accuracy', 'binary_crossentropy')(upload([0.2, 0.9, 0.6], [3, 1]), [0, 1, 0]).data());
    expect(bin[0]).toBeCloseTo(2 / 3, 6);
    expect(() => getMetric('f1')).toThrow(/unknown metric 'f1'/);
    expect(() => tidy(() => getMetric('accuracy', 'sparse_categorical_crossentropy')(upload(p, [2, 3]), [1, 3]))).toThrow(/sparse_categorical_accuracy/);
  });
});
