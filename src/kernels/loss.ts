// Loss kernels that produce the loss terms and d(mean loss)/d(pred) in one pass:
// crossEntropy (rows of logits or probabilities, sparse or dense targets) and pointwiseLoss
// (squared/absolute/Huber errors, binary cross-entropy). src/train/losses turns them into ops.
import { dispatch, f32, grid1d } from '../gpu/dispatch.ts';
import { Tensor, shapeStr } from '../graph/tensor.ts';
import { rowsCols } from './softmax.ts';

const XENT = { shader: 'cross_entropy', inputs: 2, outputs: 2 };
const POINTWISE = { shader: 'pointwise_loss', inputs: 2, outputs: 2 };

/** 0: logits; 1: probabilities, Keras categorical clipping; 2: probabilities, Keras sparse clipping. */
export type XentKind = 'logits' | 'probs' | 'sparse_probs';
const XENT_KINDS: Record<XentKind, number> = { logits: 0, probs: 1, sparse_probs: 2 };

export interface XentOptions {
  kind: XentKind;
  /** True when target holds one class index per row. */
  sparse: boolean;
  smoothing?: number;
  eps?: number;
  /** Also compute the gradient (scaled by 1 / rows). */
  withGrad: boolean;
}

/** Per-row cross-entropy [rows] and, when asked, d(mean)/d(pred) with pred's shape. */
export function crossEntropy(pred: Tensor, target: Tensor, o: XentOptions, op = 'cross_entropy'): { loss: Tensor; grad: Tensor | null } {
  const [rows, cols] = rowsCols(pred, op);
  const want = o.sparse ? rows : rows * cols;
  if (target.size !== want) {
    throw new Error(`${op}: target ${shapeStr(target.shape)} does not match prediction ${shapeStr(pred.shape)} (${o.sparse ? 'one label per row' : 'same shape'} expected)`);
  }
  const loss = Tensor.empty(pred.shape.slice(0, -1), `${op}_rows`);
  const grad = o.withGrad ? Tensor.empty(pred.shape, `${op}_grad`) : null;
  const out2 = grad ?? Tensor.empty([1], 'unused');
  dispatch(
    XENT,
    [pred, target],
    [loss, out2],
    [rows, cols, o.sparse ? 1 : 0, XENT_KINDS[o.kind], grad ? 1 : 0, f32(o.smoothing ?? 0), f32(o.eps ?? 1e-7), f32(1 / rows)],
    grid1d(pred.device, Math.ceil(rows / 256)),
    `${op} ${shapeStr(pred.shape)} (${o.kind}${o.sparse ? ', sparse' : ''})`,
  );
  if (!grad) out2.dispose(); // a binding placeholder: the kernel does not write it
  return { loss, grad };
}

export type PointwiseKind = 'squared' | 'absolute' | 'huber' | 'bce_probs' | 'bce_logits';
const POINTWISE_KINDS: Record<PointwiseKind, number> = { squared: 0, absolute: 1, huber: 2, bce_probs: 3, bce_logits: 4 };

export interface PointwiseOptions {
  kind: PointwiseKind;
  delta?: number;
  smoothing?: number;
  eps?: number;
  withGrad: boolean;
}

/** Loss terms already divided by n (sum them for the mean) and d(mean)/d(pred). */
export function pointwiseLoss(pred: Tensor, target: Tensor, o: PointwiseOptions, op: string = o.kind): { loss: Tensor; grad: Tensor | null } {
  if (target.size !== pred.size) throw new Error(`${op}: target ${shapeStr(target.shape)} does not match prediction ${shapeStr(pred.shape)}`);
  if (pred.size === 0) throw new Error(`${op}: empty prediction ${shapeStr(pred.shape)}`);
  const n = pred.size;
  const loss = Tensor.empty(pred.shape, `${op}_terms`);
  const grad = o.withGrad ? Tensor.empty(pred.shape, `${op}_grad`) : null;
  const out2 = grad ?? Tensor.empty([1], 'unused');
  dispatch(
    POINTWISE,
    [pred, target],
    [loss, out2],
    [n, POINTWISE_KINDS[o.kind], grad ? 1 : 0, f32(o.delta ?? 1), f32(o.smoothing ?? 0), f32(o.eps ?? 1e-7), f32(1 / n)],
    grid1d(pred.device, Math.ceil(n / 256)),
    `${op} ${shapeStr(pred.shape)}`,
  );
  if (!grad) out2.dispose(); // a binding placeholder: the kernel does not write it
  return { loss, grad };
}
