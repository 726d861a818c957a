// The optimizer interface the trainer sees. Implementations (sgd.ts, adam.ts, rmsprop.ts) run
// their updates as WGSL kernels on each variable's `grad`, keeping their slots on the GPU.
import type { GpuView } from '../gpu/dispatch.ts';
import type { Variable } from '../graph/tensor.ts';

export interface Optimizer {
  readonly name: string;
  /** Current base learning rate (schedules and ReduceLROnPlateau change it). */
  learningRate: number;
  /** Applies one update to every variable that has a grad, then clears the grads. */
  step(variables: Variable[]): void;
  /** Per-variable learning-rate multipliers (Gluon lr_mult), by variable name. */
  lrMult?: Map<string, number>;
  /** Steps applied (Keras `iterations`). */
  iterations?: number;
  /**
   * Loss scaling without a round trip to the host (src/train/loss-scale.ts): the same update with
   * kernels that read the scaler's `state` on the GPU, change nothing on a skipped step and take
   * the step count for decay and bias correction from it (the host's `iterations` is then
   * refreshed by the trainer when it reads the state). Without it the trainer reads the decision
   * back every step and calls step() or drops the gradients.
   */
  stepGated?(variables: Variable[], state: GpuView): void;
  /** What the scaler's per-step update needs from this optimizer (decay, Adam's betas). */
  gateConstants?(): { decay: number; beta1?: number; beta2?: number };
  /** Serializable state (slots are read back for checkpoints). */
  getState?(): Promise<Record<string, unknown>>;
  setState?(state: Record<string, unknown>): void;
  dispose(): void;
}
