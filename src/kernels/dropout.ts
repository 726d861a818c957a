// Inverted dropout whose mask is a hash of (seed, element or (batch, channel)): nothing is stored,
// the backward regenerates the mask from the same seed, and a new seed per call costs no buffer.
import { dispatch, f32, grid1d } from '../gpu/dispatch.ts';
import { Tensor, shapeStr } from '../graph/tensor.ts';

const DROPOUT = { shader: 'dropout', inputs: 1, outputs: 1 };

export interface DropoutMask {
  seed: number;
  rate: number;
  /** SpatialDropout2D: one draw per (batch item, channel) of an NHWC tensor. */
  spatial?: boolean;
}

/** y = x * scale where kept, 0 where dropped (scale = 1 / (1 - rate)). Applied to dy it is the backward. */
export function dropoutMask(x: Tensor, m: DropoutMask): Tensor {
  if (!(m.rate >= 0 && m.rate < 1)) throw new Error(`dropout: rate ${m.rate} must be in [0, 1)`);
  if (m.spatial && x.rank !== 4) throw new Error(`spatial dropout: expects an NHWC input, got ${shapeStr(x.shape)}`);
  const c = m.spatial ? x.shape[3] : 1;
  const group = m.spatial ? x.shape[1] * x.shape[2] * x.shape[3] : 1;
  const y = Tensor.empty(x.shape, 'dropout');
  dispatch(DROPOUT, [x], [y], [x.size, m.seed >>> 0, c, group, f32(m.rate), f32(1 / (1 - m.rate))], grid1d(x.device, Math.ceil(x.size / 256)), `dropout ${shapeStr(x.shape)}`);
  return y;
}
