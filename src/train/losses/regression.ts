// Keras's regression losses: mean_squared_error, mean_absolute_error, huber (delta), each the
// mean over every element (Keras: the last axis, then the batch; the same for equal rows).
import { pointwiseLoss, type PointwiseKind } from '../../kernels/loss.ts';
import type { Tensor } from '../../graph/tensor.ts';
import { finishLoss, wantsGrad } from './common.ts';
import { targetTensor, type Target } from './targets.ts';

function pointwise(op: string, kind: PointwiseKind, yPred: Tensor, yTrue: Target, sampleWeight?: Tensor | null, delta = 1): Tensor {
  const { t, owned } = targetTensor(yTrue, yPred.size, op);
  const { loss, grad } = pointwiseLoss(yPred, t, { kind, delta, withGrad: wantsGrad(yPred) }, op);
  if (owned) t.dispose();
  return finishLoss(op, yPred, loss, grad, sampleWeight);
}

export const meanSquaredError = (yPred: Tensor, yTrue: Target, sampleWeight?: Tensor | null): Tensor =>
  pointwise('mean_squared_error', 'squared', yPred, yTrue, sampleWeight);

export const meanAbsoluteError = (yPred: Tensor, yTrue: Target, sampleWeight?: Tensor | null): Tensor =>
  pointwise('mean_absolute_error', 'absolute', yPred, yTrue, sampleWeight);

export function huber(yPred: Tensor, yTrue: Target, delta = 1, sampleWeight?: Tensor | null): Tensor {
  if (!(delta > 0)) throw new Error(`huber: delta ${delta} must be positive`);
  return pointwise('huber', 'huber', yPred, yTrue, sampleWeight, delta);
}
