// Keras SGD: momentum and Nesterov (Keras 2.2.4's update rule), decay, weight decay.
import { dispatch, f32, grid1d, type GpuView } from '../../gpu/dispatch.ts';
import type { Tensor, Variable } from '../../graph/tensor.ts';
import { KernelOptimizer, type OptimizerArgs } from './base.ts';

const PLAIN = { shader: 'sgd', inputs: 1, outputs: 1 };
const MOMENTUM = { shader: 'sgd_momentum', inputs: 1, outputs: 2 };
const PLAIN_GATED = { shader: 'sgd_gated', inputs: 2, outputs: 1 };
const MOMENTUM_GATED = { shader: 'sgd_momentum_gated', inputs: 2, outputs: 2 };

export interface SgdArgs extends OptimizerArgs {
  momentum?: number;
  nesterov?: boolean;
}

export class SGD extends KernelOptimizer {
  readonly name = 'sgd';
  readonly momentum: number;
  readonly nesterov: boolean;
  protected readonly slotCount: number;

  constructor(a: SgdArgs = {}) {
    super(a, 0.01);
    this.momentum = a.momentum ?? 0;
    this.nesterov = a.nesterov ?? false;
    if (!(this.momentum >= 0)) throw new Error(`SGD: momentum ${this.momentum} must be >= 0`);
    this.slotCount = this.momentum > 0 ? 1 : 0;
  }

  protected update(v: Variable, g: Tensor, slots: Tensor[], lr: number): void {
    const wg = grid1d(v.device, Math.ceil(v.size / 256));
    if (this.momentum === 0) {
      dispatch(PLAIN, [g], [v], [v.size, f32(lr), f32(this.weightDecay)], wg, `sgd ${v.name}`);
    } else {
      dispatch(MOMENTUM, [g], [v, slots[0]], [v.size, f32(lr), f32(this.momentum), this.nesterov ? 1 : 0, f32(this.weightDecay)], wg, `sgd momentum ${v.name}`);
    }
  }

  protected updateGated(v: Variable, g: Tensor, slots: Tensor[], lr: number, state: GpuView): void {
    const wg = grid1d(v.device, Math.ceil(v.size / 256));
    if (this.momentum === 0) {
      dispatch(PLAIN_GATED, [g, state], [v], [v.size, f32(lr), f32(this.weightDecay)], wg, `sgd gated ${v.name}`);
    } else {
      dispatch(MOMENTUM_GATED, [g, state], [v, slots[0]], [v.size, f32(lr), f32(this.momentum), this.nesterov ? 1 : 0, f32(this.weightDecay)], wg, `sgd momentum gated ${v.name}`);
    }
  }
}
