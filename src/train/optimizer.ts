// The optimizer interface the trainer sees. Implementations (sgd.ts, adam.ts, rmsprop.ts) run
// their updates as WGSL kernels on each variable's `grad`, keeping their slots on the GPU.
import type { Variable } from '../graph/tensor.ts';

export interface Optimizer {
  readonly name: string;
  /** Current base learning rate (schedules and ReduceLROnPlateau change it). */
  learningRate: number;
  /** Applies one update to every variable that has a grad, then clears the grads. */
  step(variables: Variable[]): void;
  /** Per-variable learning-rate multipliers (Gluon lr_mult), by variable name. */
  lrMult?: Map<string, number>;
  /** Serializable state (slots are read back for checkpoints). */
  getState?(): Promise<Record<string, unknown>>;
  setState?(state: Record<string, unknown>): void;
  dispose(): void;
}
