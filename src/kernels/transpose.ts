// transpose(x, perm): y's axis d is x's axis perm[d], as numpy.transpose; rank up to 6.
// Used for channels_first Keras convs (NCHW <-> NHWC around the NHWC kernels).
import { dispatch, grid1d } from '../gpu/dispatch.ts';
import { Tensor, shapeStr } from '../graph/tensor.ts';

const TRANSPOSE = { shader: 'transpose', inputs: 1, outputs: 1 };

export function checkPerm(perm: readonly number[], rank: number): void {
  const ok = perm.length === rank && [...perm].sort((a, b) => a - b).every((v, i) => v === i);
  if (!ok) throw new Error(`transpose: [${perm.join(',')}] is not a permutation of ${rank} axes`);
}

export function invertPerm(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}

export function transpose(x: Tensor, perm: readonly number[]): Tensor {
  checkPerm(perm, x.rank);
  if (x.rank > 6) throw new Error(`transpose: rank ${x.rank} of ${shapeStr(x.shape)} exceeds 6`);
  const outShape = perm.map((p) => x.shape[p]);
  if (perm.every((p, i) => p === i)) return x.view();
  const strides = new Array<number>(x.rank);
  for (let d = x.rank - 1, s = 1; d >= 0; d--) {
    strides[d] = s;
    s *= x.shape[d];
  }
  // Pad to rank 6 with leading size-1 axes (stride irrelevant).
  const pad = 6 - x.rank;
  const shape6 = [...new Array(pad).fill(1), ...outShape];
  const stride6 = [...new Array(pad).fill(0), ...perm.map((p) => strides[p])];
  const y = Tensor.empty(outShape, 'transpose');
  dispatch(TRANSPOSE, [x], [y], [y.size, x.rank, ...shape6, ...stride6], grid1d(x.device, Math.ceil(y.size / 256)), `transpose ${shapeStr(x.shape)} [${perm.join(',')}]`);
  return y;
}
