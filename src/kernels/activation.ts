// Activation names (Keras's) and their codes in wgsl/include/activation.wgsl.
export const ACTIVATIONS = {
  linear: 0,
  relu: 1,
  relu6: 2,
  elu: 3,
  selu: 4,
  softplus: 5,
  softsign: 6,
  sigmoid: 7,
  hard_sigmoid: 8,
  tanh: 9,
  swish: 10,
  leaky_relu: 11,
  thresholded_relu: 12,
} as const;

export type ActivationName = keyof typeof ACTIVATIONS;

export const ACTIVATION_ALIASES: Record<string, ActivationName> = { silu: 'swish', None: 'linear' };

export function activationCode(name: string): number {
  const n = (ACTIVATION_ALIASES[name] ?? name) as ActivationName;
  const code = ACTIVATIONS[n];
  if (code === undefined) {
    throw new Error(`unknown activation '${name}' (supported: ${Object.keys(ACTIVATIONS).join(', ')}, softmax)`);
  }
  return code;
}

/** Default parameter of parameterized activations (Keras defaults). */
export function defaultAlpha(name: string): number {
  if (name === 'elu') return 1;
  if (name === 'leaky_relu') return 0.3;
  if (name === 'thresholded_relu') return 1;
  return 0;
}
