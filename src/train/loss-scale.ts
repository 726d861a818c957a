// Loss scaling for training in the mixed and f16 precisions (PyTorch GradScaler, Keras
// LossScaleOptimizer). Those precisions round the operands of matmul and conv to f16, the
// upstream gradients of the backward pass included, so gradients below f16's range (2^-24) flush
// to zero. The trainer seeds backward with the scale instead of 1 (every gradient is scaled),
// unscales each gradient (x 1/scale) before the optimizer and, when one is inf or NaN, skips the
// step (weights, slots, weight decay and the step count untouched) and halves the scale; after
// `growthInterval` good steps in a row it doubles it. Keras's defaults: start 2^15, 2000 steps.
//
// It all stays on the GPU (the fit loop reads nothing back per step): a state tensor of 8 words
// (wgsl/include/loss_scale_gate.wgsl) holds the scale, the counters and the step's decision; the
// optimizers' gated kernels read the decision and, because the count of applied steps lives there
// too, compute Keras 2 decay and Adam's bias correction from it. The host learns the scale, the
// skipped steps and the optimizer's iterations when it reads the state (at epoch ends).
import type { Precision } from '../gpu/precision.ts';
import type { Device } from '../gpu/device.ts';
import { keep } from '../graph/scope.ts';
import { Tensor, type Variable } from '../graph/tensor.ts';
import { LOSS_SCALE_STATE, unscaleGradient, updateLossScale, type LossScaleUpdate } from '../kernels/loss-scale.ts';

/**
 * `compile(..., { lossScale })`: 'dynamic', a fixed scale (1: off), false (off), or dynamic with
 * other settings. Absent: dynamic under the mixed and f16 precisions, off under f32.
 */
export type LossScaleOption = 'dynamic' | number | false | { initial?: number; growthInterval?: number; dynamic?: boolean };

export interface LossScaleConfig {
  dynamic: boolean;
  /** The first scale (Keras LossScaleOptimizer's initial_scale). */
  initial: number;
  /** Good steps in a row before the scale doubles (Keras dynamic_growth_steps, PyTorch growth_interval). */
  growthInterval: number;
}

export const DEFAULT_INITIAL_SCALE = 2 ** 15;
export const DEFAULT_GROWTH_INTERVAL = 2000;

/** The loss scaling a trainer uses under `precision`, or null for none. */
export function resolveLossScale(option: LossScaleOption | undefined, precision: Precision): LossScaleConfig | null {
  const dynamic = (initial = DEFAULT_INITIAL_SCALE, growthInterval = DEFAULT_GROWTH_INTERVAL): LossScaleConfig => ({ dynamic: true, initial, growthInterval });
  if (option === undefined) return precision === 'f32' ? null : dynamic();
  if (option === false) return null;
  if (option === 'dynamic') return dynamic();
  if (typeof option === 'number') {
    if (!(option > 0 && Number.isFinite(option))) throw new Error(`lossScale ${option}: a fixed scale must be a finite number > 0`);
    return option === 1 ? null : { dynamic: false, initial: option, growthInterval: DEFAULT_GROWTH_INTERVAL };
  }
  if (typeof option === 'object' && option) {
    const c = { dynamic: option.dynamic ?? true, initial: option.initial ?? DEFAULT_INITIAL_SCALE, growthInterval: option.growthInterval ?? DEFAULT_GROWTH_INTERVAL };
    if (!(c.initial > 0 && Number.isFinite(c.initial))) throw new Error(`lossScale: initial ${c.initial} must be a finite number > 0`);
    if (!(Number.isInteger(c.growthInterval) && c.growthInterval >= 1)) throw new Error(`lossScale: growthInterval ${c.growthInterval} must be an integer >= 1`);
    return c;
  }
  throw new Error(`lossScale ${String(option)}: use 'dynamic', a number, false, or { initial, growthInterval }`);
}

/** What the state says, read back. */
export interface LossScaleStatus {
  scale: number;
  /** Good steps since the scale last changed. */
  growth: number;
  /** Steps skipped since the scaler was made (or restored). */
  skipped: number;
  /** Steps applied: the optimizer's iterations (the scaler counts them while it runs). */
  iterations: number;
}

const word = (name: (typeof LOSS_SCALE_STATE)[number]) => LOSS_SCALE_STATE.indexOf(name);

export class LossScaler {
  /** The 8-word state (f32 and u32 words) the kernels share. */
  readonly state: Tensor;
  /** [1], the scale: the seed of backward (the gradient of the loss with respect to itself). */
  readonly seed: Tensor;

  constructor(
    readonly config: LossScaleConfig,
    device?: Device,
  ) {
    const words = new Uint32Array(LOSS_SCALE_STATE.length);
    const f = new Float32Array(words.buffer);
    f[word('scale')] = config.initial;
    f[word('lr_factor')] = 1;
    f[word('bias')] = 1;
    this.state = keep(Tensor.from(f, [words.length], 'loss scale state', device));
    this.seed = keep(Tensor.from([config.initial], [1], 'loss scale', device));
  }

  /** Replaces each variable's gradient by gradient / scale, flagging inf/NaN for update(). */
  unscale(variables: readonly Variable[]): void {
    for (const v of variables) {
      if (!v.grad) continue;
      const u = keep(unscaleGradient(v.grad, this.state));
      v.grad.dispose();
      v.grad = u;
    }
  }

  /** Decides this step (after unscale) and moves the scale; `o` comes from the optimizer. */
  update(o: Omit<LossScaleUpdate, 'dynamic' | 'growthInterval'>): void {
    updateLossScale(this.state, this.seed, { ...o, dynamic: this.config.dynamic, growthInterval: this.config.growthInterval });
  }

  /** Whether the last update skipped its step (a synchronization point). */
  async lastSkipped(): Promise<boolean> {
    const u = new Uint32Array((await this.state.data()).buffer);
    return u[word('skip')] !== 0;
  }

  /** Reads the state back (a synchronization point). */
  async read(): Promise<LossScaleStatus> {
    const f = await this.state.data();
    const u = new Uint32Array(f.buffer);
    return { scale: f[word('scale')], growth: u[word('growth')], skipped: u[word('skipped')], iterations: u[word('t')] };
  }

  /** Sets what the state holds: the scale and counters (a checkpoint's), or just the step count. */
  write(s: Partial<LossScaleStatus>): void {
    const u32 = (name: (typeof LOSS_SCALE_STATE)[number], x: number) => this.state.write(new Float32Array(Uint32Array.of(x >>> 0).buffer), word(name));
    if (s.scale !== undefined) {
      this.state.write(Float32Array.of(s.scale), word('scale'));
      this.seed.write(Float32Array.of(s.scale));
    }
    if (s.growth !== undefined) u32('growth', s.growth);
    if (s.skipped !== undefined) u32('skipped', s.skipped);
    if (s.iterations !== undefined) u32('t', s.iterations);
  }

  dispose(): void {
    this.state.dispose();
    this.seed.dispose();
  }
}
