// Keras computes a cross-entropy on softmax (or sigmoid) outputs from the logits when it can see
// them (TF's `output.op.type == 'Softmax'` check): exact gradients, no clipping. Here the tape
// node of the activation holds them: softmax and sigmoid save their input x first.
import type { Tensor } from '../../graph/tensor.ts';

export interface LogitsOf {
  /** The logits' data (a view saved by the activation's node). */
  data: Tensor;
  /** The logits tensor in the graph, the input the loss records (its node leads to the layers). */
  graph: Tensor;
  /**
   * Drops the activation's node: its output no longer leads backward, and its saved tensors go
   * back to the pool (else nothing would release them). Call after the loss kernel is recorded.
   */
  release(): void;
}

/** The logits behind `y` when y is the recorded output of activation `op`, else null. */
export function logitsOf(y: Tensor, op: 'softmax' | 'sigmoid'): LogitsOf | null {
  const node = y.node;
  if (!node || node.op !== op || node.saved.length < 1 || node.inputs.length !== 1) return null;
  return {
    data: node.saved[0],
    graph: node.inputs[0],
    release() {
      for (const t of node.saved) t.dispose();
      node.saved = [];
      y.node = null;
    },
  };
}

/** True when the model's output `y` comes from a softmax the losses can fuse with (for fit). */
export const endsInSoftmax = (y: Tensor): boolean => y.node?.op === 'softmax';
