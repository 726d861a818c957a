// DepthwiseConv2D kernels: x [N,H,W,C], Keras kernel [KH,KW,C,M] (depth multiplier M),
// y [N,OH,OW,C*M] with output channel c*M + m. Forward with fused bias + activation, dgrad, and
// split-K wgrad, as in conv2d.ts. Multiplier 1 with whole channel quads (MobileNet, EfficientNet)
// runs the vec4 kernels (wgsl/depthwise*_vec4.wgsl), whose threads are pixel groups x CQ channel
// quads (DW_CQ); other shapes the scalar ones.
import type { Device } from '../gpu/device.ts';
import { dispatch } from '../gpu/dispatch.ts';
import { Tensor, shapeStr } from '../graph/tensor.ts';
import { activationCode } from './activation.ts';
import { autoTile, convGeometry, convParams, dgradPixels, MAX_PX, pixelGrid, splitK, type ConvGeometry, type ConvOptions, type ConvTile } from './conv-geometry.ts';
import type { EpilogueOptions } from './conv2d.ts';
import { reduce } from './reduce.ts';
import { convKey, tunedConvTile, tunedNumber } from './tuning.ts';

const overrides = (t: ConvTile) => ({ PX: t.PX, WGX: t.WGX, WGY: t.WGY });
const WGRAD = { shader: 'depthwise_wgrad', inputs: 2, outputs: 1, overrides: { WGX: 4, WGY: 16 } };

/**
 * Channel quads per thread of the vec4 forward and dgrad (override CQ); each tested, tuned per
 * geometry ('depthwise_cq', 'depthwise_dgrad_cq').
 */
export const DW_CQ = [1, 2, 4] as const;
/** The vec4 kernels need multiplier 1 and whole channel quads; `vec4: false` forces the scalar ones. */
const useVec4 = (g: ConvGeometry, want?: boolean) => want !== false && g.O === g.C && g.C % 4 === 0;

/**
 * Defaults measured on llvmpipe over MobileNet v1 0.25's layers (batch 8, 224): 4 quads where
 * they divide the channels (3-10% faster than 1); else 1 for the forward, where 2 was slowest
 * throughout, and 2 for the dgrad, where it was best with 8 channels.
 */
export function depthwiseCq(op: 'depthwise_cq' | 'depthwise_dgrad_cq', C: number): number {
  return C % 16 === 0 ? 4 : op === 'depthwise_dgrad_cq' && C % 8 === 0 ? 2 : 1;
}

function pickCq(device: Device, op: 'depthwise_cq' | 'depthwise_dgrad_cq', g: ConvGeometry, wanted?: number): number {
  const cq = wanted ?? tunedNumber(device, convKey(op, g), DW_CQ) ?? depthwiseCq(op, g.C);
  if (!(DW_CQ as readonly number[]).includes(cq)) throw new Error(`${op}: cq ${cq} must be one of ${DW_CQ.join(', ')}`);
  return cq;
}

/** Grid of the vec4 kernels: `pixelGroups` threads in workgroups of the tile's size over x (and z), quad groups over y. */
function vec4Grid(device: Device, tile: ConvTile, pixelGroups: number, quadGroups: number): [number, number, number] {
  if (!(tile.PX >= 1 && tile.PX <= MAX_PX)) throw new Error(`depthwise tile: PX ${tile.PX} must be 1..${MAX_PX}`);
  const gx = Math.ceil(pixelGroups / (tile.WGX * tile.WGY));
  const z = Math.ceil(gx / device.limits.maxComputeWorkgroupsPerDimension);
  return [Math.ceil(gx / z), quadGroups, z];
}

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
  const v4 = useVec4(g, e.vec4);
  const cq = v4 ? pickCq(x.device, 'depthwise_cq', g, e.cq) : 0;
  dispatch(
    { shader: v4 ? 'depthwise_vec4' : 'depthwise', inputs: 3, outputs: 1, overrides: v4 ? { ...overrides(tile), CQ: cq } : overrides(tile) },
    [x, w, bias ?? w],
    [y],
    convParams(g, { bias: !!bias, act: activationCode(e.activation ?? 'linear'), alpha: e.alpha, mult: mult(g) }),
    v4
      ? vec4Grid(x.device, tile, Math.ceil((g.N * g.OH * g.OW) / tile.PX), Math.ceil(g.C / (4 * cq)))
      : pixelGrid(x.device, tile, g.O, g.N * g.OH * g.OW),
    `depthwise ${shapeStr(x.shape)} ${g.KH}x${g.KW} s${g.SH},${g.SW} x${mult(g)}`,
  );
  return y;
}

/** `v`: `vec4: false` forces the scalar kernel; `cq` channel quads per thread of the vec4 one (DW_CQ). */
export function depthwiseDgrad(dy: Tensor, w: Tensor, g: ConvGeometry, tileWanted?: ConvTile, v: { vec4?: boolean; cq?: number } = {}): Tensor {
  const tile = tileWanted ?? tunedConvTile(dy.device, 'depthwise_dgrad', g) ?? autoTile(g.C);
  const dx = Tensor.empty([g.N, g.H, g.W, g.C], 'depthwise_dgrad');
  const v4 = useVec4(g, v.vec4);
  const cq = v4 ? pickCq(dy.device, 'depthwise_dgrad_cq', g, v.cq) : 0;
  // Vec4: SH*SW stride classes of N*ceil(H/SH)*ceil(W/SW) pixels, each cut into groups of PX.
  const classGroups = Math.ceil((g.N * Math.ceil(g.H / g.SH) * Math.ceil(g.W / g.SW)) / tile.PX);
  dispatch(
    { shader: v4 ? 'depthwise_dgrad_vec4' : 'depthwise_dgrad', inputs: 2, outputs: 1, overrides: v4 ? { ...overrides(tile), CQ: cq } : overrides(tile) },
    [dy, w],
    [dx],
    convParams(g, { mult: mult(g) }),
    v4 ? vec4Grid(dy.device, tile, g.SH * g.SW * classGroups, Math.ceil(g.C / (4 * cq))) : pixelGrid(dy.device, tile, g.C, dgradPixels(g, tile)),
    `depthwise dgrad ${shapeStr(dy.shape)} -> ${shapeStr(dx.shape)}`,
  );
  return dx;
}

/** `vec4: false` forces the scalar kernel. */
export function depthwiseWgrad(x: Tensor, dy: Tensor, g: ConvGeometry, vec4?: boolean): Tensor {
  const R = g.KH * g.KW;
  const K = g.N * g.OH * g.OW;
  const v4 = useVec4(g, vec4);
  // Vec4: TQ taps per thread (4 up to 2x2 kernels, else 9), chunks of pixels along the SIMD lanes.
  const tq = R <= 4 ? 4 : 9;
  const { splits, chunk } = splitK(x.device, v4 ? Math.ceil(R / tq) * (g.C / 4) : Math.ceil(R / 4) * Math.ceil(g.O / 4), K);
  const part = Tensor.empty([splits, R * g.O], 'depthwise_wgrad_partial');
  dispatch(
    v4 ? { shader: 'depthwise_wgrad_vec4', inputs: 2, outputs: 1, overrides: { WGX: 8, TQ: tq } } : WGRAD,
    [x, dy],
    [part],
    convParams(g, { splits, chunk, mult: mult(g) }),
    v4 ? [Math.ceil(splits / 8), g.C / 4, Math.ceil(R / tq)] : [Math.ceil(Math.ceil(g.O / 4) / 4), Math.ceil(Math.ceil(R / 4) / 16), splits],
    `depthwise wgrad ${shapeStr(x.shape)} splits ${splits}`,
  );
  const summed = splits === 1 ? part.view() : reduce('sum', part, [0]);
  part.dispose();
  const dw = summed.reshape([g.KH, g.KW, g.C, mult(g)]);
  summed.dispose();
  return dw;
}
