// Optimizers by Keras name (case-insensitive), for the CLI and Keras configs.
import { Adam, type AdamArgs } from './adam.ts';
import type { KernelOptimizer } from './base.ts';
import { RMSprop, type RmspropArgs } from './rmsprop.ts';
import { SGD, type SgdArgs } from './sgd.ts';

export { Adam, RMSprop, SGD };
export type { AdamArgs, RmspropArgs, SgdArgs };
export { KernelOptimizer, type OptimizerArgs } from './base.ts';

export function getOptimizer(name: string, args: SgdArgs & AdamArgs & RmspropArgs = {}): KernelOptimizer {
  switch (name.toLowerCase()) {
    case 'sgd':
      return new SGD(args);
    case 'adam':
      return new Adam(args);
    case 'rmsprop':
      return new RMSprop(args);
    default:
      throw new Error(`unknown optimizer '${name}' (supported: sgd, adam, rmsprop)`);
  }
}
