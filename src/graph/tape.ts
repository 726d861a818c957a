// The tape: an op whose inputs need a gradient records a TapeNode on its output. backward()
// walks the nodes between the loss and the variables in reverse topological order; a frozen
// prefix (no input requires a gradient) records nothing, saves nothing and costs nothing.
import { add } from '../kernels/elementwise.ts';
import { fill } from '../kernels/fill.ts';
import { keep, tidy } from './scope.ts';
import { Tensor, Variable, shapeStr } from './tensor.ts';

export interface TapeNode {
  op: string;
  inputs: Tensor[];
  /** Tensors the backward needs (views retained by the node, released after backward). */
  saved: Tensor[];
  /** Which inputs want a gradient; backward may return null for the others. */
  needs: boolean[];
  backward: (dy: Tensor, saved: Tensor[], needs: boolean[]) => (Tensor | null)[];
  outputId: number;
}

let gradDepth = 0;

/** Runs fn without recording (inference, evaluation, frozen parts). */
export function noGrad<T>(fn: () => T): T {
  gradDepth++;
  try {
    return fn();
  } finally {
    gradDepth--;
  }
}

export const isRecording = (): boolean => gradDepth === 0;

/** Records `output = op(inputs)` if any input needs a gradient. Returns output for chaining. */
export function record(
  op: string,
  inputs: Tensor[],
  output: Tensor,
  saved: Tensor[],
  backward: TapeNode['backward'],
): Tensor {
  if (gradDepth > 0 || !inputs.some((t) => t.requiresGrad)) return output;
  output.requiresGrad = true;
  output.node = {
    op,
    inputs,
    saved: saved.map((t) => keep(t.view())),
    needs: inputs.map((t) => t.requiresGrad),
    backward,
    outputId: output.id,
  };
  return output;
}

function releaseNode(n: TapeNode): void {
  for (const t of n.saved) t.dispose();
  n.saved = [];
}

/** Nodes between `root` and the leaves, inputs before outputs. */
function topoOrder(root: Tensor): TapeNode[] {
  const order: TapeNode[] = [];
  const seen = new Set<TapeNode>();
  const stack: [TapeNode, number][] = root.node ? [[root.node, 0]] : [];
  if (root.node) seen.add(root.node);
  while (stack.length) {
    const top = stack[stack.length - 1];
    const [node, i] = top;
    if (i < node.inputs.length) {
      top[1]++;
      const child = node.inputs[i].node;
      if (node.needs[i] && child && !seen.has(child)) {
        seen.add(child);
        stack.push([child, 0]);
      }
    } else {
      stack.pop();
      order.push(node);
    }
  }
  return order;
}

/**
 * Backpropagates from `loss` (a scalar unless `dy` is given) and adds the gradients of every
 * trainable Variable reached into `variable.grad`. The nodes are released afterwards.
 */
export function backward(loss: Tensor, dy?: Tensor): void {
  if (!loss.node) {
    throw new Error(`backward: ${loss} does not depend on any trainable variable (is everything frozen?)`);
  }
  if (dy && dy.size !== loss.size) throw new Error(`backward: seed ${shapeStr(dy.shape)} does not match ${shapeStr(loss.shape)}`);
  const order = topoOrder(loss);
  tidy(() => {
    const grads = new Map<number, Tensor>();
    grads.set(loss.id, dy ?? fill(loss.shape, 1));
    for (let k = order.length - 1; k >= 0; k--) {
      const node = order[k];
      const g = grads.get(node.outputId);
      grads.delete(node.outputId);
      if (!g) {
        releaseNode(node);
        continue;
      }
      const ins = node.backward(g, node.saved, node.needs);
      if (g !== dy) g.dispose();
      releaseNode(node);
      node.inputs.forEach((x, i) => {
        const gi = ins[i];
        if (!gi) return;
        if (!node.needs[i]) {
          gi.dispose();
          return;
        }
        if (gi.size !== x.size) {
          throw new Error(`backward of ${node.op}: gradient ${shapeStr(gi.shape)} does not match input ${shapeStr(x.shape)}`);
        }
        if (x instanceof Variable && !x.node) {
          const sum: Tensor = x.grad ? add(x.grad, gi) : gi.reshape(x.shape);
          if (x.grad) x.grad.dispose();
          x.grad = keep(sum);
        } else {
          const prev = grads.get(x.id);
          grads.set(x.id, prev ? add(prev, gi) : gi);
        }
      });
    }
  });
  loss.node = null;
}
