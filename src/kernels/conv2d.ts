// Conv2D kernels, NHWC activations and HWIO kernels as Keras stores them: forward with a fused
// bias + activation epilogue, the input gradient (dgrad, also Conv2DTranspose's forward) and the
// filter gradient (wgrad, split-K plus a reduce pass). Geometry in conv-geometry.ts.
import { dispatch } from '../gpu/dispatch.ts';
import { Tensor, shapeStr } from '../graph/tensor.ts';
import { activationCode } from './activation.ts';
import { autoTile, convGeometry, convParams, dgradPixels, pixelGrid, splitK, type ConvGeometry, type ConvOptions, type ConvTile } from './conv-geometry.ts';
import { reduce } from './reduce.ts';
import { convKey, tunedConvTile, tunedNumber } from './tuning.ts';

const overrides = (t: ConvTile) => ({ PX: t.PX, WGX: t.WGX, WGY: t.WGY });
const WGRAD = { shader: 'conv2d_wgrad', inputs: 2, outputs: 1, overrides: { WGX: 4, WGY: 16 } };
/** Filter quads per thread of the vec4 wgrad (override FQ, 1..4); tested each. */
export const WGRAD_FQ = [1, 2, 4] as const;
const wgradVec4 = (fq: number) => ({ shader: 'conv2d_wgrad_vec4', inputs: 2, outputs: 1, overrides: { WGX: 4, WGY: 16, FQ: fq } });

/** The vec4 kernels need whole quads of channels and filters; `vec4: false` forces the scalar ones. */
const useVec4 = (g: ConvGeometry, want?: boolean) => want !== false && g.C % 4 === 0 && g.O % 4 === 0;
/**
 * Filter quads per thread of the vec4 forward (1: conv2d_vec4; 2, 4: conv2d_vec8 with override OQ,
 * which reuses each input vec4 for 4*OQ filters); tested each, tuned per geometry. Default the
 * most the filters fill: on llvmpipe OQ 4 measured ~1.5-2.5x the vec4 kernel on VGG16's layers.
 */
export const FWD_OQ = [1, 2, 4] as const;

export interface EpilogueOptions {
  bias?: Tensor | null;
  activation?: string;
  alpha?: number;
  tile?: ConvTile;
  /** Use the vec4 kernel when channels allow (default); false forces the scalar kernel (tests). */
  vec4?: boolean;
  /** Filter quads per thread of the vec4 forward (FWD_OQ); default the tuned choice, else 2. */
  oq?: number;
}

const geomStr = (g: ConvGeometry) => `${g.KH}x${g.KW} s${g.SH},${g.SW} d${g.DH},${g.DW}`;

/** Geometry of conv2d(x, w) for an HWIO kernel, with shape checks naming the op. */
export function conv2dGeometry(op: string, xShape: readonly number[], w: Tensor, opts: ConvOptions = {}): ConvGeometry {
  if (w.rank !== 4) throw new Error(`${op}: kernel must be HWIO [kh, kw, in, out], got ${shapeStr(w.shape)}`);
  const [KH, KW, I, O] = w.shape;
  if (xShape.length === 4 && xShape[3] !== I) {
    throw new Error(`${op}: input ${shapeStr(xShape)} has ${xShape[3]} channels but kernel ${w.name || ''} ${shapeStr(w.shape)} expects ${I}`);
  }
  return convGeometry(op, xShape, KH, KW, O, opts);
}

/** y = act(conv2d(x, w) + bias) for x [N,H,W,C] and w [KH,KW,C,O]. */
export function conv2d(x: Tensor, w: Tensor, opts: ConvOptions & EpilogueOptions = {}): Tensor {
  return conv2dForward(x, w, conv2dGeometry('conv2d', x.shape, w, opts), opts);
}

export function conv2dForward(x: Tensor, w: Tensor, g: ConvGeometry, e: EpilogueOptions = {}): Tensor {
  const bias = e.bias ?? null;
  if (bias && bias.size !== g.O) throw new Error(`conv2d: bias ${shapeStr(bias.shape)} does not match ${g.O} filters`);
  const tile = e.tile ?? tunedConvTile(x.device, 'conv2d', g) ?? autoTile(g.O);
  const y = Tensor.empty([g.N, g.OH, g.OW, g.O], 'conv2d');
  const v4 = useVec4(g, e.vec4);
  const oq = v4 ? (e.oq ?? tunedNumber(x.device, convKey('conv2d_oq', g), FWD_OQ) ?? (g.O >= 16 ? 4 : g.O >= 8 ? 2 : 1)) : 1;
  if (!(FWD_OQ as readonly number[]).includes(oq)) throw new Error(`conv2d: oq ${oq} must be one of ${FWD_OQ.join(', ')}`);
  dispatch(
    v4 && oq > 1
      ? { shader: 'conv2d_vec8', inputs: 3, outputs: 1, overrides: { ...overrides(tile), OQ: oq } }
      : { shader: v4 ? 'conv2d_vec4' : 'conv2d', inputs: 3, outputs: 1, overrides: overrides(tile) },
    [x, w, bias ?? w],
    [y],
    convParams(g, { bias: !!bias, act: activationCode(e.activation ?? 'linear'), alpha: e.alpha }),
    pixelGrid(x.device, tile, Math.ceil(g.O / (4 * oq)) * 4, g.N * g.OH * g.OW),
    `conv2d ${shapeStr(x.shape)} ${geomStr(g)} -> ${g.O}`,
  );
  return y;
}

/** dx [N,H,W,C] from dy [N,OH,OW,O] (optionally + bias and activation: Conv2DTranspose). */
export function conv2dDgrad(dy: Tensor, w: Tensor, g: ConvGeometry, e: EpilogueOptions = {}): Tensor {
  if (dy.size !== g.N * g.OH * g.OW * g.O) throw new Error(`conv2d dgrad: dy ${shapeStr(dy.shape)} does not match output [${g.N},${g.OH},${g.OW},${g.O}]`);
  const bias = e.bias ?? null;
  if (bias && bias.size !== g.C) throw new Error(`conv2d dgrad: bias ${shapeStr(bias.shape)} does not match ${g.C} channels`);
  const tile = e.tile ?? tunedConvTile(dy.device, 'conv2d_dgrad', g) ?? autoTile(g.C);
  const dx = Tensor.empty([g.N, g.H, g.W, g.C], 'conv2d_dgrad');
  dispatch(
    { shader: useVec4(g, e.vec4) ? 'conv2d_dgrad_vec4' : 'conv2d_dgrad', inputs: 3, outputs: 1, overrides: overrides(tile) },
    [dy, w, bias ?? w],
    [dx],
    convParams(g, { bias: !!bias, act: activationCode(e.activation ?? 'linear'), alpha: e.alpha }),
    pixelGrid(dy.device, tile, g.C, dgradPixels(g, tile)),
    `conv2d dgrad ${shapeStr(dy.shape)} ${geomStr(g)} -> ${shapeStr(dx.shape)}`,
  );
  return dx;
}

/** dw [KH,KW,C,O] = sum over pixels of x (through each tap) times dy. */
/** `fq`: filter quads per thread of the vec4 kernel (default: the tuned choice, else 2). */
export function conv2dWgrad(x: Tensor, dy: Tensor, g: ConvGeometry, vec4?: boolean, fqWanted?: number): Tensor {
  const fq = fqWanted ?? tunedNumber(x.device, convKey('conv2d_wgrad', g), WGRAD_FQ) ?? 2;
  const R = g.KH * g.KW * g.C;
  const K = g.N * g.OH * g.OW;
  const v4 = useVec4(g, vec4);
  // Threads along filters: quads (scalar), or FQ quads each (vec4).
  const tx = v4 ? Math.ceil(g.O / 4 / fq) : Math.ceil(g.O / 4);
  const { splits, chunk } = splitK(x.device, Math.ceil(R / 4) * tx, K);
  const part = Tensor.empty([splits, R * g.O], 'conv2d_wgrad_partial');
  dispatch(
    v4 ? wgradVec4(fq) : WGRAD,
    [x, dy],
    [part],
    convParams(g, { splits, chunk }),
    [Math.ceil(tx / 4), Math.ceil(Math.ceil(R / 4) / 16), splits],
    `conv2d wgrad ${shapeStr(x.shape)} ${geomStr(g)} splits ${splits}`,
  );
  const summed = splits === 1 ? part.view() : reduce('sum', part, [0]);
  part.dispose();
  const dw = summed.reshape([g.KH, g.KW, g.C, g.O]);
  summed.dispose();
  return dw;
}
