// A SymbolicTensor is the output of a layer call while a functional model is being built:
// a shape (batch excluded) and where it came from. No GPU memory behind it.
import type { Layer } from './layer.ts';
import type { Shape } from './tensor.ts';

export class SymbolicTensor {
  constructor(
    readonly shape: Shape,
    /** The layer whose call produced it. */
    readonly layer: Layer,
    /** Which call of that layer (Keras's node index). */
    readonly callIndex: number,
  ) {}
}

export interface InboundCall {
  inputs: SymbolicTensor[];
  /** Extra call arguments kept from a Keras config (rarely used). */
  kwargs?: Record<string, unknown>;
}
