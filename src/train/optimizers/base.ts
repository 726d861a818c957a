// What SGD, Adam and RMSprop share: Keras 2's `decay` (lr / (1 + decay * iterations)), decoupled
// weight decay, per-variable lr multipliers, and GPU slots made once per variable, so a step
// allocates nothing after the first (each update is one in-place kernel; grads return to the pool).
import type { GpuView } from '../../gpu/dispatch.ts';
import { fill } from '../../kernels/fill.ts';
import { keep } from '../../graph/scope.ts';
import type { Tensor, Variable } from '../../graph/tensor.ts';
import { shapeStr } from '../../graph/tensor.ts';
import type { Optimizer } from '../optimizer.ts';

export interface OptimizerArgs {
  learningRate?: number;
  /** Keras 2's time-based decay: lr_t = lr / (1 + decay * iterations). */
  decay?: number;
  /** Decoupled weight decay (Keras 3 / AdamW): w -= lr * weightDecay * w before the update. */
  weightDecay?: number;
  /** Learning-rate multiplier per variable name (Gluon's lr_mult). */
  lrMult?: Map<string, number> | Record<string, number>;
}

export abstract class KernelOptimizer implements Optimizer {
  abstract readonly name: string;
  learningRate: number;
  decay: number;
  weightDecay: number;
  lrMult: Map<string, number>;
  /** Steps taken (Keras's `iterations`). */
  iterations = 0;
  /** Slot tensors per variable, made on the variable's first update. */
  private slots = new Map<Variable, Tensor[]>();
  private pendingState = new Map<string, Float32Array[]>();

  constructor(a: OptimizerArgs, defaultLr: number) {
    this.learningRate = a.learningRate ?? defaultLr;
    this.decay = a.decay ?? 0;
    this.weightDecay = a.weightDecay ?? 0;
    this.lrMult = a.lrMult instanceof Map ? a.lrMult : new Map(Object.entries(a.lrMult ?? {}));
    for (const [k, v] of [['learningRate', this.learningRate], ['decay', this.decay], ['weightDecay', this.weightDecay]] as const) {
      if (!(v >= 0)) throw new Error(`${new.target.name}: ${k} ${v} must be a number >= 0`);
    }
  }

  /** Number of slot tensors per variable. */
  protected abstract readonly slotCount: number;
  /** Dispatches the update of one variable; `lr` includes decay and the variable's multiplier. */
  protected abstract update(v: Variable, grad: Tensor, slots: Tensor[], lr: number, t: number): void;

  /**
   * The update gated by loss scaling (src/train/loss-scale.ts): `lr` is the base rate times the
   * variable's multiplier; the kernel reads the skip decision, the decay factor and Adam's bias
   * correction from the scaler's `state` (wgsl/include/loss_scale_gate.wgsl).
   */
  protected abstract updateGated(v: Variable, grad: Tensor, slots: Tensor[], lr: number, state: GpuView): void;

  step(variables: Variable[]): void {
    const lr = this.learningRate / (1 + this.decay * this.iterations);
    this.iterations++;
    for (const v of variables) {
      const g = this.gradOf(v);
      if (!g) continue;
      this.update(v, g, this.slotsFor(v), lr * (this.lrMult.get(v.name) ?? 1), this.iterations);
      v.version++;
      v.zeroGrad();
    }
  }

  /** step() decided on the GPU: `iterations` is counted in the scaler's state, not here. */
  stepGated(variables: Variable[], state: GpuView): void {
    for (const v of variables) {
      const g = this.gradOf(v);
      if (!g) continue;
      this.updateGated(v, g, this.slotsFor(v), this.learningRate * (this.lrMult.get(v.name) ?? 1), state);
      v.version++; // also on a skipped step: derived copies are remade, harmlessly
      v.zeroGrad();
    }
  }

  gateConstants(): { decay: number; beta1?: number; beta2?: number } {
    return { decay: this.decay };
  }

  private gradOf(v: Variable): Tensor | null {
    const g = v.grad;
    if (g && g.size !== v.size) throw new Error(`${this.name}: gradient ${shapeStr(g.shape)} does not match variable ${v.name} ${shapeStr(v.shape)}`);
    return g;
  }

  private slotsFor(v: Variable): Tensor[] {
    let s = this.slots.get(v);
    if (!s) {
      const saved = this.pendingState.get(v.name);
      s = Array.from({ length: this.slotCount }, (_, i) => {
        const t = keep(fill(v.shape, 0));
        if (saved?.[i]) t.write(saved[i]);
        return t;
      });
      this.pendingState.delete(v.name);
      this.slots.set(v, s);
    }
    return s;
  }

  async getState(): Promise<Record<string, unknown>> {
    const slots: Record<string, Float32Array[]> = {};
    for (const [v, s] of this.slots) slots[v.name] = await Promise.all(s.map((t) => t.data()));
    return { name: this.name, iterations: this.iterations, learningRate: this.learningRate, slots };
  }

  setState(state: Record<string, unknown>): void {
    if (typeof state.iterations === 'number') this.iterations = state.iterations;
    if (typeof state.learningRate === 'number') this.learningRate = state.learningRate;
    const slots = (state.slots ?? {}) as Record<string, Float32Array[]>;
    for (const [name, arrays] of Object.entries(slots)) {
      const live = [...this.slots.entries()].find(([v]) => v.name === name);
      if (live) live[1].forEach((t, i) => arrays[i] && t.write(Float32Array.from(arrays[i])));
      else this.pendingState.set(name, arrays.map((a) => Float32Array.from(a)));
    }
  }

  dispose(): void {
    for (const s of this.slots.values()) for (const t of s) t.dispose();
    this.slots.clear();
  }
}
