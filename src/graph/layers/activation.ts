// Keras Activation layer, and the activation-name handling shared by layers with an
// `activation` argument. Softmax is applied over the last axis.
import { activationCode, ACTIVATION_ALIASES, defaultAlpha } from '../../kernels/activation.ts';
import { activation as activationOp } from '../ops/activation.ts';
import { softmax } from '../ops/softmax.ts';
import { Layer, type CallContext, type KerasConfig, type LayerArgs } from '../layer.ts';
import type { Shape, Tensor } from '../tensor.ts';

/** Normalizes a Keras activation spec (name, alias, or serialized dict) and checks it is supported. */
export function activationName(spec: unknown): string {
  let name = spec;
  if (spec && typeof spec === 'object') name = (spec as { config?: { name?: string }; class_name?: string }).config?.name ?? (spec as { class_name?: string }).class_name;
  if (name === null || name === undefined) return 'linear';
  const n: string = ACTIVATION_ALIASES[name as string] ?? (name as string);
  if (n !== 'softmax') activationCode(n);
  return n;
}

export const activationConfig = (name: string): string => name;

/** Applies a named activation (softmax included) differentiably. */
export function applyActivation(x: Tensor, name: string, alpha = defaultAlpha(name)): Tensor {
  return name === 'softmax' ? softmax(x) : activationOp(x, name, alpha);
}

export class Activation extends Layer {
  readonly className = 'Activation';
  readonly activation: string;
  constructor(args: LayerArgs & { activation: string }) {
    super(args, 'activation');
    this.activation = activationName(args.activation);
  }
  static fromKeras(c: KerasConfig): Activation {
    return new Activation({ name: c.name as string, trainable: c.trainable as boolean, activation: c.activation as string });
  }
  computeOutputShape([s]: Shape[]): Shape {
    return s;
  }
  call([x]: Tensor[], _ctx: CallContext): Tensor {
    return applyActivation(x, this.activation);
  }
  protected kerasConfig(): KerasConfig {
    return { activation: this.activation };
  }
}
