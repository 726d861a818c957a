// Differentiable convolutions, NHWC, Keras kernel layouts as stored:
//   conv2d            x [N,H,W,C],  kernel [KH,KW,C,O]  (HWIO)
//   depthwiseConv2d   x [N,H,W,C],  kernel [KH,KW,C,M]  -> C*M channels
//   conv2dTranspose   x [N,H,W,I],  kernel [KH,KW,O,I]  -> O channels (Keras Conv2DTranspose)
// Bias and activations whose derivative follows from the output (FUSABLE) run in the kernel's
// epilogue. Backward: dz = dy * act'(y); then dgrad, wgrad and the bias sum, each only if needed.
import { defaultAlpha } from '../../kernels/activation.ts';
import { activation as activationKernel, activationBackward } from '../../kernels/elementwise.ts';
import { conv2dDgrad, conv2dForward, conv2dGeometry, conv2dWgrad } from '../../kernels/conv2d.ts';
import { depthwiseDgrad, depthwiseForward, depthwiseGeometry, depthwiseWgrad } from '../../kernels/depthwise.ts';
import { convGeometry, pair, type ConvGeometry, type ConvOptions } from '../../kernels/conv-geometry.ts';
import { reduce } from '../../kernels/reduce.ts';
import { record } from '../tape.ts';
import { shapeStr, type Tensor } from '../tensor.ts';
import { FUSABLE } from './activation.ts';

export interface ConvArgs extends ConvOptions {
  activation?: string;
  alpha?: number;
}

type Kernels = {
  forward: (x: Tensor, w: Tensor, g: ConvGeometry, e: { bias: Tensor | null; activation: string; alpha: number }) => Tensor;
  dgrad: (dz: Tensor, w: Tensor, g: ConvGeometry) => Tensor;
  wgrad: (x: Tensor, dz: Tensor, g: ConvGeometry) => Tensor;
};

/** The shared tape plumbing of the three convolutions. */
function convOp(op: string, k: Kernels, x: Tensor, kernel: Tensor, bias: Tensor | null, g: ConvGeometry, act: string, alpha: number): Tensor {
  const fused = FUSABLE.has(act);
  const z = k.forward(x, kernel, g, { bias, activation: fused ? act : 'linear', alpha });
  const y = fused ? z : activationKernel(z, act, alpha);
  const inputs = bias ? [x, kernel, bias] : [x, kernel];
  return record(op, inputs, y, fused ? [x, kernel, y] : [x, kernel, y, z], (dy, saved, needs) => {
    const [xs, ws, ys, zs] = saved;
    const dz = act === 'linear' ? dy : activationBackward(zs ?? ys, ys, dy, act, alpha);
    const grads = [
      needs[0] ? k.dgrad(dz, ws, g) : null,
      needs[1] ? k.wgrad(xs, dz, g) : null,
      bias && needs[2] ? reduce('sum', dz, [0, 1, 2]) : null,
    ];
    if (dz !== dy) dz.dispose();
    return grads;
  });
}

const CONV: Kernels = {
  forward: (x, w, g, e) => conv2dForward(x, w, g, e),
  dgrad: (dz, w, g) => conv2dDgrad(dz, w, g),
  wgrad: (x, dz, g) => conv2dWgrad(x, dz, g),
};

const DEPTHWISE: Kernels = {
  forward: (x, w, g, e) => depthwiseForward(x, w, g, e),
  dgrad: (dz, w, g) => depthwiseDgrad(dz, w, g),
  wgrad: (x, dz, g) => depthwiseWgrad(x, dz, g),
};

// The transposed conv is the forward conv read backwards: its output plays the conv's input,
// so its forward is conv dgrad, its input gradient the conv forward, and its filter gradient the
// conv wgrad with the roles of x and dy exchanged.
const TRANSPOSED: Kernels = {
  forward: (x, w, g, e) => conv2dDgrad(x, w, g, e),
  dgrad: (dz, w, g) => conv2dForward(dz, w, g),
  wgrad: (x, dz, g) => conv2dWgrad(dz, x, g),
};

export function conv2d(x: Tensor, kernel: Tensor, bias: Tensor | null, args: ConvArgs = {}): Tensor {
  const g = conv2dGeometry('conv2d', x.shape, kernel, args);
  return convOp('conv2d', CONV, x, kernel, bias, g, args.activation ?? 'linear', args.alpha ?? defaultAlpha(args.activation ?? 'linear'));
}

export function depthwiseConv2d(x: Tensor, kernel: Tensor, bias: Tensor | null, args: ConvArgs = {}): Tensor {
  const g = depthwiseGeometry('depthwise_conv2d', x.shape, kernel, args);
  return convOp('depthwise_conv2d', DEPTHWISE, x, kernel, bias, g, args.activation ?? 'linear', args.alpha ?? defaultAlpha(args.activation ?? 'linear'));
}

/** Keras deconv_output_length without output_padding: same -> n*s, valid -> n*s + max(k_eff - s, 0). */
export function transposedLength(n: number, k: number, s: number, d: number, padding: string): number {
  const eff = (k - 1) * d + 1;
  return padding === 'same' ? n * s : n * s + Math.max(eff - s, 0);
}

/** The geometry of the forward conv whose input gradient a Conv2DTranspose computes. */
export function transposeGeometry(op: string, x: readonly number[], kernel: Tensor, args: ConvOptions): ConvGeometry {
  if (kernel.rank !== 4) throw new Error(`${op}: kernel must be [kh, kw, out, in], got ${shapeStr(kernel.shape)}`);
  if (x.length !== 4) throw new Error(`${op}: expects an NHWC input, got ${shapeStr(x)}`);
  const [KH, KW, O, I] = kernel.shape;
  if (x[3] !== I) throw new Error(`${op}: input ${shapeStr(x)} has ${x[3]} channels but kernel ${kernel.name || ''} ${shapeStr(kernel.shape)} expects ${I}`);
  const [SH, SW] = pair(args.strides);
  const [DH, DW] = pair(args.dilation);
  const padding = args.padding ?? 'valid';
  const H = transposedLength(x[1], KH, SH, DH, padding);
  const W = transposedLength(x[2], KW, SW, DW, padding);
  const g = convGeometry(op, [x[0], H, W, O], KH, KW, I, args);
  if (g.OH !== x[1] || g.OW !== x[2]) throw new Error(`${op}: internal geometry mismatch for input ${shapeStr(x)}`);
  return g;
}

export function conv2dTranspose(x: Tensor, kernel: Tensor, bias: Tensor | null, args: ConvArgs = {}): Tensor {
  const g = transposeGeometry('conv2d_transpose', x.shape, kernel, args);
  return convOp('conv2d_transpose', TRANSPOSED, x, kernel, bias, g, args.activation ?? 'linear', args.alpha ?? defaultAlpha(args.activation ?? 'linear'));
}
