// Keras 2 RMSprop: rho 0.9, epsilon outside the square root, time-based `decay` from the base;
// tf.keras's optional momentum (a second slot, only when momentum > 0).
import { dispatch, f32, grid1d, type GpuView } from '../../gpu/dispatch.ts';
import type { Tensor, Variable } from '../../graph/tensor.ts';
import { KernelOptimizer, type OptimizerArgs } from './base.ts';

const RMSPROP = { shader: 'rmsprop', inputs: 1, outputs: 2 };
const RMSPROP_MOMENTUM = { shader: 'rmsprop_momentum', inputs: 1, outputs: 3 };
const RMSPROP_GATED = { shader: 'rmsprop_gated', inputs: 2, outputs: 2 };
const RMSPROP_MOMENTUM_GATED = { shader: 'rmsprop_momentum_gated', inputs: 2, outputs: 3 };

export interface RmspropArgs extends OptimizerArgs {
  rho?: number;
  epsilon?: number;
  momentum?: number;
}

export class RMSprop extends KernelOptimizer {
  readonly name = 'rmsprop';
  readonly rho: number;
  readonly epsilon: number;
  readonly momentum: number;
  protected readonly slotCount: number;

  constructor(a: RmspropArgs = {}) {
    super(a, 0.001);
    this.rho = a.rho ?? 0.9;
    this.epsilon = a.epsilon ?? 1e-7;
    this.momentum = a.momentum ?? 0;
    if (!(this.rho >= 0 && this.rho < 1)) throw new Error(`RMSprop: rho ${this.rho} must be in [0, 1)`);
    if (!(this.momentum >= 0 && this.momentum < 1)) throw new Error(`RMSprop: momentum ${this.momentum} must be in [0, 1)`);
    this.slotCount = this.momentum > 0 ? 2 : 1;
  }

  protected update(v: Variable, g: Tensor, [acc, mom]: Tensor[], lr: number): void {
    const wg = grid1d(v.device, Math.ceil(v.size / 256));
    const common = [v.size, f32(lr), f32(this.rho), f32(this.epsilon), f32(lr * this.weightDecay)];
    if (this.momentum > 0) dispatch(RMSPROP_MOMENTUM, [g], [v, acc, mom], [...common, f32(this.momentum)], wg, `rmsprop momentum ${v.name}`);
    else dispatch(RMSPROP, [g], [v, acc], common, wg, `rmsprop ${v.name}`);
  }

  protected updateGated(v: Variable, g: Tensor, [acc, mom]: Tensor[], lr: number, state: GpuView): void {
    const wg = grid1d(v.device, Math.ceil(v.size / 256));
    const common = [v.size, f32(lr), f32(this.rho), f32(this.epsilon), f32(lr * this.weightDecay)];
    if (this.momentum > 0) dispatch(RMSPROP_MOMENTUM_GATED, [g, state], [v, acc, mom], [...common, f32(this.momentum)], wg, `rmsprop momentum gated ${v.name}`);
    else dispatch(RMSPROP_GATED, [g, state], [v, acc], common, wg, `rmsprop gated ${v.name}`);
  }
}
