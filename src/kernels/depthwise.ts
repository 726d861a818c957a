// DepthwiseConv2D kernels: x [N,H,W,C], Keras kernel [KH,KW,C,M] (depth multiplier M),
// y [N,OH,OW,C*M] with output channel c*M + m. Forward with fused bias + activation, dgrad, and
// split-K wgrad, as in conv2d.ts.
import { dispatch } from '../gpu/dispatch.ts';
import { Tensor, shapeStr } from '../graph/tensor.ts';
import { activationCode } from './activation.ts';
import { autoTile, convGeometry, convParams, dgradPixels, pixelGrid, splitK, type ConvGeometry, type ConvOptions, type ConvTile } from './conv-geometry.ts';
import type { EpilogueOptions } from './conv2d.ts';
import { reduce } from './reduce.ts';
import { tunedConvTile } from './tuning.ts';

const overrides = (t: ConvTile) => ({ PX: t.PX, WGX: t.WGX, WGY: t.WGY });
const WGRAD = { shader: 'depthwise_wgrad', inputs: 2, outputs: 1, overrides: { WGX: 4, WGY: 16 } };

/** Geometry (O = C*M) of a depthwise conv, with shape checks naming the op. */
export function depthwiseGeometry(op: string, xShape: readonly number[], w: Tensor, opts: ConvOptions = {}): ConvGeometry {
  if (w.rank !== 4) throw new Error(`${op}: depthwise kernel must be [kh, kw, in, multiplier], got ${shapeStr(w.shape)}`);
  const [KH, KW, C, M] = w.shape;
  if (xShape.length === 4 && xShape[3] !== C) {
    throw new Error(`${op}: input ${shapeStr(xShape)} has ${xShape[3]} channels but depthwise kernel ${w.name || ''} ${shapeStr(w.shape)} expects ${C}`);
  }
  return convGeometry(op, xShape, KH, KW, C * M, opts);
}

const mult = (g: ConvGeometry) => g.O / g.C;

export function depthwiseConv2d(x: Tensor, w: Tensor, opts: ConvOptions & EpilogueOptions = {}): Tensor {
  return depthwiseForward(x, w, depthwiseGeometry('depthwise_conv2d', x.shape, w, opts), opts);
}

export function depthwiseForward(x: Tensor, w: Tensor, g: ConvGeometry, e: EpilogueOptions = {}): Tensor {
  const bias = e.bias ?? null;
  if (bias && bias.size !== g.O) throw new Error(`depthwise_conv2d: bias ${shapeStr(bias.shape)} does not match ${g.O} output channels`);
  const tile = e.tile ?? tunedConvTile(x.device, 'depthwise', g) ?? autoTile(g.O);
  const y = Tensor.empty([g.N, g.OH, g.OW, g.O], 'depthwise_conv2d');
  dispatch(
    { shader: 'depthwise', inputs: 3, outputs: 1, overrides: overrides(tile) },
    [x, w, bias ?? w],
    [y],
    convParams(g, { bias: !!bias, act: activationCode(e.activation ?? 'linear'), alpha: e.alpha, mult: mult(g) }),
    pixelGrid(x.device, tile, g.O, g.N * g.OH * g.OW),
    `depthwise ${shapeStr(x.shape)} ${g.KH}x${g.KW} s${g.SH},${g.SW} x${mult(g)}`,
  );
  return y;
}

export function depthwiseDgrad(dy: Tensor, w: Tensor, g: ConvGeometry, tileWanted?: ConvTile): Tensor {
  const tile = tileWanted ?? tunedConvTile(dy.device, 'depthwise_dgrad', g) ?? autoTile(g.C);
  const dx = Tensor.empty([g.N, g.H, g.W, g.C], 'depthwise_dgrad');
  dispatch(
    { shader: 'depthwise_dgrad', inputs: 2, outputs: 1, overrides: overrides(tile) },
    [dy, w],
    [dx],
    convParams(g, { mult: mult(g) }),
    pixelGrid(dy.device, tile, g.C, dgradPixels(g, tile)),
    `depthwise dgrad ${shapeStr(dy.shape)} -> ${shapeStr(dx.shape)}`,
  );
  return dx;
}

export function depthwiseWgrad(x: Tensor, dy: Tensor, g: ConvGeometry): Tensor {
  const R = g.KH * g.KW;
  const K = g.N * g.OH * g.OW;
  const { splits, chunk } = splitK(x.device, Math.ceil(R / 4) * Math.ceil(g.O / 4), K);
  const part = Tensor.empty([splits, R * g.O], 'depthwise_wgrad_partial');
  dispatch(
    WGRAD,
    [x, dy],
    [part],
    convParams(g, { splits, chunk, mult: mult(g) }),
    [Math.ceil(Math.ceil(g.O / 4) / 4), Math.ceil(Math.ceil(R / 4) / 16), splits],
    `depthwise wgrad ${shapeStr(x.shape)} splits ${splits}`,
  );
  const summed = splits === 1 ? part.view() : reduce('sum', part, [0]);
  part.dispose();
  const dw = summed.reshape([g.KH, g.KW, g.C, mult(g)]);
  summed.dispose();
  return dw;
}
