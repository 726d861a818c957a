// Zero padding / cropping of NHWC tensors (one kernel: a negative offset crops), and slab copies
// along an axis (Concatenate and its backward).
import { dispatch, grid1d, i32 } from '../gpu/dispatch.ts';
import { Tensor, shapeStr, sizeOf } from '../graph/tensor.ts';

const PAD2D = { shader: 'pad2d', inputs: 1, outputs: 1 };
const SLAB_COPY = { shader: 'slab_copy', inputs: 1, outputs: 1 };

/** y = x shifted by (top, left) into an [n, oh, ow, c] tensor, zeros outside x. */
export function shift2d(x: Tensor, oh: number, ow: number, top: number, left: number, op = 'pad2d'): Tensor {
  if (x.rank !== 4) throw new Error(`${op}: expects an NHWC input, got ${shapeStr(x.shape)}`);
  if (oh <= 0 || ow <= 0) throw new Error(`${op}: output ${oh}x${ow} from ${shapeStr(x.shape)} is empty`);
  const [n, h, w, c] = x.shape;
  const y = Tensor.empty([n, oh, ow, c], op);
  dispatch(PAD2D, [x], [y], [n, h, w, c, oh, ow, i32(top), i32(left)], grid1d(x.device, Math.ceil(y.size / 256)), `${op} ${shapeStr(x.shape)} -> ${oh}x${ow}`);
  return y;
}

/**
 * dst[o, dstOff + a, i] = src[o, srcOff + a, i] for a < count, where src and dst are viewed as
 * [outer, axis, inner] around `axis`. Writes into dst in place.
 */
export function copySlab(src: Tensor, dst: Tensor, axis: number, count: number, srcOff: number, dstOff: number): void {
  const outer = sizeOf(src.shape.slice(0, axis));
  const inner = sizeOf(src.shape.slice(axis + 1));
  const [sa, da] = [src.shape[axis], dst.shape[axis]];
  if (srcOff + count > sa || dstOff + count > da || sizeOf(dst.shape.slice(axis + 1)) !== inner) {
    throw new Error(`copySlab: ${count} along axis ${axis} from ${shapeStr(src.shape)}@${srcOff} to ${shapeStr(dst.shape)}@${dstOff} does not fit`);
  }
  const n = outer * count * inner;
  dispatch(SLAB_COPY, [src], [dst], [outer, inner, count, sa, da, srcOff, dstOff], grid1d(src.device, Math.ceil(n / 256)), `slab copy ${shapeStr(src.shape)} -> ${shapeStr(dst.shape)}`);
}
