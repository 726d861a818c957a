// Keras Adam: bias correction folded into the step size, epsilon added to sqrt(v) (Keras 2.2.4
// and tf.keras), default epsilon 1e-7; decay and weight decay from the base.
import { dispatch, f32, grid1d, type GpuView } from '../../gpu/dispatch.ts';
import type { Tensor, Variable } from '../../graph/tensor.ts';
import { KernelOptimizer, type OptimizerArgs } from './base.ts';

const ADAM = { shader: 'adam', inputs: 1, outputs: 3 };
const ADAM_GATED = { shader: 'adam_gated', inputs: 2, outputs: 3 };

export interface AdamArgs extends OptimizerArgs {
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

export class Adam extends KernelOptimizer {
  readonly name = 'adam';
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  protected readonly slotCount = 2;

  constructor(a: AdamArgs = {}) {
    super(a, 0.001);
    this.beta1 = a.beta1 ?? 0.9;
    this.beta2 = a.beta2 ?? 0.999;
    this.epsilon = a.epsilon ?? 1e-7;
    for (const [k, b] of [['beta1', this.beta1], ['beta2', this.beta2]] as const) {
      if (!(b >= 0 && b < 1)) throw new Error(`Adam: ${k} ${b} must be in [0, 1)`);
    }
  }

  protected update(v: Variable, g: Tensor, [m, s]: Tensor[], lr: number, t: number): void {
    const lrT = (lr * Math.sqrt(1 - this.beta2 ** t)) / (1 - this.beta1 ** t);
    dispatch(ADAM, [g], [v, m, s], [v.size, f32(lrT), f32(this.beta1), f32(this.beta2), f32(this.epsilon), f32(lr * this.weightDecay)],
      grid1d(v.device, Math.ceil(v.size / 256)), `adam ${v.name}`);
  }

  /** Under loss scaling the kernel folds in the bias correction of the GPU-counted step. */
  protected updateGated(v: Variable, g: Tensor, [m, s]: Tensor[], lr: number, state: GpuView): void {
    dispatch(ADAM_GATED, [g, state], [v, m, s], [v.size, f32(lr), f32(this.beta1), f32(this.beta2), f32(this.epsilon), f32(lr * this.weightDecay)],
      grid1d(v.device, Math.ceil(v.size / 256)), `adam gated ${v.name}`);
  }

  override gateConstants(): { decay: number; beta1: number; beta2: number } {
    return { decay: this.decay, beta1: this.beta1, beta2: this.beta2 };
  }
}
