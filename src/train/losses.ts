// Losses by their Keras names. Each returns a scalar Tensor (the batch mean, sample-weighted when
// weights are given) recorded on the tape; see src/train/losses/*.ts for the semantics.
import type { Tensor } from '../graph/tensor.ts';
import { binaryCrossentropy, categoricalCrossentropy, sparseCategoricalCrossentropy, type CrossentropyOptions } from './losses/crossentropy.ts';
import { huber, meanAbsoluteError, meanSquaredError } from './losses/regression.ts';
import type { Target } from './losses/targets.ts';

export { binaryCrossentropy, categoricalCrossentropy, sparseCategoricalCrossentropy, type CrossentropyOptions } from './losses/crossentropy.ts';
export { huber, meanAbsoluteError, meanSquaredError } from './losses/regression.ts';
export { assertFinite, assertLabels, hostTensor, type Target } from './losses/targets.ts';
export { endsInSoftmax, logitsOf } from './losses/logits.ts';

export type Loss = ((yPred: Tensor, yTrue: Target, sampleWeight?: Tensor | null) => Tensor) & { lossName: string };

export interface LossOptions {
  fromLogits?: boolean;
  labelSmoothing?: number;
  /** Huber's delta. */
  delta?: number;
}

const named = (lossName: string, f: (yPred: Tensor, yTrue: Target, sw?: Tensor | null) => Tensor): Loss => Object.assign(f, { lossName });

const ALIASES: Record<string, string> = {
  mse: 'mean_squared_error',
  mae: 'mean_absolute_error',
  huber_loss: 'huber',
  CategoricalCrossentropy: 'categorical_crossentropy',
  SparseCategoricalCrossentropy: 'sparse_categorical_crossentropy',
  BinaryCrossentropy: 'binary_crossentropy',
  MeanSquaredError: 'mean_squared_error',
  MeanAbsoluteError: 'mean_absolute_error',
  Huber: 'huber',
};

export const LOSS_NAMES = ['categorical_crossentropy', 'sparse_categorical_crossentropy', 'binary_crossentropy', 'mean_squared_error', 'mean_absolute_error', 'huber'];

/** A loss by Keras name (or alias: mse, mae, class names) with its options. */
export function getLoss(name: string, o: LossOptions = {}): Loss {
  const n = ALIASES[name] ?? name;
  const x: CrossentropyOptions = { fromLogits: o.fromLogits, labelSmoothing: o.labelSmoothing };
  switch (n) {
    case 'categorical_crossentropy':
      return named(n, (p, t, sw) => categoricalCrossentropy(p, t, { ...x, sampleWeight: sw }));
    case 'sparse_categorical_crossentropy':
      return named(n, (p, t, sw) => sparseCategoricalCrossentropy(p, t, { ...x, sampleWeight: sw }));
    case 'binary_crossentropy':
      return named(n, (p, t, sw) => binaryCrossentropy(p, t, { ...x, sampleWeight: sw }));
    case 'mean_squared_error':
      return named(n, (p, t, sw) => meanSquaredError(p, t, sw));
    case 'mean_absolute_error':
      return named(n, (p, t, sw) => meanAbsoluteError(p, t, sw));
    case 'huber':
      return named(n, (p, t, sw) => huber(p, t, o.delta ?? 1, sw));
    default:
      throw new Error(`unknown loss '${name}' (supported: ${LOSS_NAMES.join(', ')}, mse, mae)`);
  }
}
