// Keras's cross-entropies: categorical_crossentropy (one-hot or soft targets),
// sparse_categorical_crossentropy (class indices) and binary_crossentropy, each with
// from_logits and label_smoothing. On probabilities they clip as Keras does, unless the
// probabilities come from a recorded softmax/sigmoid: then the logits are used (see logits.ts).
import { crossEntropy, pointwiseLoss, type XentKind } from '../../kernels/loss.ts';
import { affine } from '../../kernels/scale.ts';
import { shapeStr, type Tensor } from '../../graph/tensor.ts';
import { finishLoss, wantsGrad } from './common.ts';
import { logitsOf } from './logits.ts';
import { targetTensor, type Target } from './targets.ts';

export interface CrossentropyOptions {
  fromLogits?: boolean;
  labelSmoothing?: number;
  /** Use the logits behind a recorded softmax/sigmoid output (default true, as Keras). */
  fuse?: boolean;
  sampleWeight?: Tensor | null;
}

function checkSmoothing(s: number, op: string): number {
  if (!(s >= 0 && s <= 1)) throw new Error(`${op}: label_smoothing ${s} is not in [0, 1]`);
  return s;
}

function xent(op: string, yPred: Tensor, yTrue: Target, sparse: boolean, o: CrossentropyOptions): Tensor {
  if (yPred.rank < 1) throw new Error(`${op}: prediction ${shapeStr(yPred.shape)} has no class axis`);
  const cols = yPred.shape[yPred.rank - 1];
  const rows = yPred.size / cols;
  const smoothing = checkSmoothing(o.labelSmoothing ?? 0, op);
  const { t, owned } = targetTensor(yTrue, sparse ? rows : yPred.size, op, sparse ? cols : undefined);
  const fused = !o.fromLogits && o.fuse !== false ? logitsOf(yPred, 'softmax') : null;
  const input = fused ? fused.graph : yPred;
  const kind: XentKind = o.fromLogits || fused ? 'logits' : sparse ? 'sparse_probs' : 'probs';
  const { loss, grad } = crossEntropy(fused ? fused.data : yPred, t, { kind, sparse, smoothing, withGrad: wantsGrad(input) }, op);
  if (owned) t.dispose();
  fused?.release();
  // Per-row losses -> terms whose sum is the mean.
  const terms = affine(loss, 1 / rows, 0);
  loss.dispose();
  return finishLoss(op, input, terms, grad, o.sampleWeight);
}

export function categoricalCrossentropy(yPred: Tensor, yTrue: Target, o: CrossentropyOptions = {}): Tensor {
  return xent('categorical_crossentropy', yPred, yTrue, false, o);
}

/** Labels are class indices ([batch] or [batch, 1]); label_smoothing treats them as one-hot. */
export function sparseCategoricalCrossentropy(yPred: Tensor, yTrue: Target, o: CrossentropyOptions = {}): Tensor {
  return xent('sparse_categorical_crossentropy', yPred, yTrue, true, o);
}

/** Mean over every element (Keras: over the last axis, then the batch). */
export function binaryCrossentropy(yPred: Tensor, yTrue: Target, o: CrossentropyOptions = {}): Tensor {
  const op = 'binary_crossentropy';
  const smoothing = checkSmoothing(o.labelSmoothing ?? 0, op);
  const { t, owned } = targetTensor(yTrue, yPred.size, op);
  const fused = !o.fromLogits && o.fuse !== false ? logitsOf(yPred, 'sigmoid') : null;
  const input = fused ? fused.graph : yPred;
  const { loss, grad } = pointwiseLoss(fused ? fused.data : yPred, t, {
    kind: o.fromLogits || fused ? 'bce_logits' : 'bce_probs',
    smoothing,
    withGrad: wantsGrad(input),
  }, op);
  if (owned) t.dispose();
  fused?.release();
  return finishLoss(op, input, loss, grad, o.sampleWeight);
}
