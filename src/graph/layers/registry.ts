// Keras class name -> constructor from a Keras config. Loaders (H5, tfjs, .keras) build layers
// through this table; a class missing here is reported by name by the loader.
import type { KerasConfig, Layer } from '../layer.ts';
import { Activation } from './activation.ts';
import { Dense } from './dense.ts';

export const LAYER_CLASSES: Record<string, (config: KerasConfig) => Layer> = {
  Dense: Dense.fromKeras,
  Activation: Activation.fromKeras,
};
