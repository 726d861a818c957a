// Loss scaling kernels (the policy is src/train/loss-scale.ts): unscale each gradient while
// flagging inf/NaN into the scaler's state, then one single-thread update that decides the step
// (skip or apply), moves the scale and writes the next step's backward seed. Nothing is read
// back: the gated optimizer kernels (wgsl/*_gated.wgsl) read the decision on the GPU.
import { dispatch, f32, grid1d } from '../gpu/dispatch.ts';
import { Tensor, shapeStr } from '../graph/tensor.ts';

const UNSCALE = { shader: 'loss_scale_unscale', inputs: 1, outputs: 2 };
const UPDATE = { shader: 'loss_scale_update', inputs: 0, outputs: 2 };

/** Words of the scaler's state (wgsl/include/loss_scale_gate.wgsl), in order. */
export const LOSS_SCALE_STATE = ['scale', 'growth', 'skipped', 't', 'nonfinite', 'skip', 'lr_factor', 'bias'] as const;

/** g / scale as a new tensor; raises the state's nonfinite flag if any value is inf or NaN. */
export function unscaleGradient(g: Tensor, state: Tensor): Tensor {
  const out = Tensor.empty(g.shape, 'unscaled grad', g.device);
  dispatch(UNSCALE, [g], [out, state], [g.size], grid1d(g.device, Math.ceil(g.size / 256)), `unscale ${g.name} ${shapeStr(g.shape)}`);
  return out;
}

export interface LossScaleUpdate {
  /** Halve on inf/NaN (not below 1) and double after `growthInterval` good steps; false: a fixed scale. */
  dynamic: boolean;
  growthInterval: number;
  /** Keras 2 decay of the optimizer: lr / (1 + decay * iterations). */
  decay: number;
  /** Adam's betas, for the bias correction of the step's t (absent: no correction). */
  beta1?: number;
  beta2?: number;
}

/** Decides the step from the flag, updates the state and writes the scale into `seed` [1]. */
export function updateLossScale(state: Tensor, seed: Tensor, o: LossScaleUpdate): void {
  const adam = o.beta1 !== undefined && o.beta2 !== undefined;
  dispatch(UPDATE, [], [state, seed], [o.dynamic ? 1 : 0, o.growthInterval, f32(o.decay), adam ? 1 : 0, f32(o.beta1 ?? 0), f32(o.beta2 ?? 0)], [1, 1, 1], 'loss scale update');
}
