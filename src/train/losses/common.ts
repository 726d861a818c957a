// What every loss does after its kernel: sample weights, the mean, and one tape node whose
// backward scales the gradient the kernel already computed by the upstream (scalar) gradient.
import { mul } from '../../kernels/elementwise.ts';
import { reduce } from '../../kernels/reduce.ts';
import { isRecording, record } from '../../graph/tape.ts';
import { shapeStr, type Tensor } from '../../graph/tensor.ts';

/** Whether the loss kernel should also write d(loss)/d(pred). */
export const wantsGrad = (pred: Tensor): boolean => isRecording() && pred.requiresGrad;

/** Sums every element into a scalar in two passes (rows, then the row sums) so threads share it. */
function sumAll(x: Tensor): Tensor {
  if (x.rank < 2) return reduce('sum', x);
  const flat = x.reshape([x.shape[0], -1]);
  const rows = reduce('sum', flat, [1]);
  flat.dispose();
  const total = reduce('sum', rows);
  rows.dispose();
  return total;
}

/** Multiplies per-sample terms (batch first) by sample weights [batch]. */
function weigh(t: Tensor, sw: Tensor, op: string): Tensor {
  if (sw.size !== t.shape[0]) throw new Error(`${op}: sample weights ${shapeStr(sw.shape)} do not match batch ${t.shape[0]} of ${shapeStr(t.shape)}`);
  const w = sw.reshape([t.shape[0], ...new Array(t.rank - 1).fill(1)]);
  const out = mul(t, w);
  w.dispose();
  return out;
}

/**
 * The scalar loss from `terms` (already divided by the number of terms, so their sum is the
 * mean, Keras's SUM_OVER_BATCH_SIZE) and the kernel's gradient with respect to `input`.
 */
export function finishLoss(op: string, input: Tensor, terms: Tensor, grad: Tensor | null, sampleWeight?: Tensor | null): Tensor {
  if (sampleWeight) {
    const wt = weigh(terms, sampleWeight, op);
    terms.dispose();
    terms = wt;
    if (grad) {
      const wg = weigh(grad, sampleWeight, op);
      grad.dispose();
      grad = wg;
    }
  }
  const total = sumAll(terms);
  terms.dispose();
  if (!grad) return total;
  const out = record(op, [input], total, [grad], (dy, [g]) => [mul(g, dy)]);
  grad.dispose(); // the node keeps its own view
  return out;
}
