// Differentiable broadcasting arithmetic.
import * as K from '../../kernels/elementwise.ts';
import { sumToShape } from '../../kernels/reduce.ts';
import { affine as affineKernel } from '../../kernels/scale.ts';
import { record } from '../tape.ts';
import type { Tensor } from '../tensor.ts';

function reduceTo(g: Tensor, like: Tensor): Tensor {
  const r = sumToShape(g, like.shape);
  return r;
}

export function add(a: Tensor, b: Tensor): Tensor {
  const y = K.add(a, b);
  return record('add', [a, b], y, [], (dy, _s, needs) => [
    needs[0] ? reduceTo(dy, a) : null,
    needs[1] ? reduceTo(dy, b) : null,
  ]);
}

/**
 * y = act(x0 + x1 + ...) (broadcasting) with the activation applied by the last add's kernel:
 * the residual Add + ReLU of ResNet blocks as one dispatch. `act` must be one whose derivative
 * follows from y alone with alpha 0 (relu, relu6): the backward is dy * act'(y) summed to each
 * input's shape, so only y is saved, not the sum.
 */
export function addActivation(xs: Tensor[], act: 'relu' | 'relu6'): Tensor {
  if (xs.length < 2) throw new Error(`add+${act}: needs at least 2 inputs, got ${xs.length}`);
  let y = xs[0];
  for (let i = 1; i < xs.length; i++) {
    const next = K.binary('add', y, xs[i], i === xs.length - 1 ? act : 'linear');
    if (y !== xs[0]) y.dispose();
    y = next;
  }
  const shapes = xs.map((x) => x.shape);
  return record(`add_${act}`, xs, y, [y], (dy, [ys], needs) => {
    const g = K.activationBackward(ys, ys, dy, act);
    const grads = shapes.map((s, i) => (needs[i] ? sumToShape(g, s) : null));
    g.dispose();
    return grads;
  });
}

export function sub(a: Tensor, b: Tensor): Tensor {
  const y = K.sub(a, b);
  return record('sub', [a, b], y, [], (dy, _s, needs) => {
    let gb: Tensor | null = null;
    if (needs[1]) {
      const neg = affineKernel(dy, -1, 0);
      gb = reduceTo(neg, b);
      neg.dispose();
    }
    return [needs[0] ? reduceTo(dy, a) : null, gb];
  });
}

export function mul(a: Tensor, b: Tensor): Tensor {
  const y = K.mul(a, b);
  return record('mul', [a, b], y, [a, b], (dy, [as, bs], needs) => {
    const grad = (other: Tensor, like: Tensor) => {
      const g = K.mul(dy, other);
      const r = reduceTo(g, like);
      g.dispose();
      return r;
    };
    return [needs[0] ? grad(bs, as) : null, needs[1] ? grad(as, bs) : null];
  });
}

/** y = a * x + b with scalar a, b. */
export function affine(x: Tensor, a: number, b: number): Tensor {
  const y = affineKernel(x, a, b);
  return record('affine', [x], y, [], (dy) => [affineKernel(dy, a, 0)]);
}
