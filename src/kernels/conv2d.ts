// Conv2D kernels, NHWC activations and HWIO kernels as Keras stores them: forward with a fused
// bias + activation epilogue, the input gradient (dgrad, also Conv2DTranspose's forward) and the
// filter gradient (wgrad, split-K plus a reduce pass). Geometry in conv-geometry.ts.
// Precision (src/gpu/precision.ts): every kernel is compiled after the device's precision prelude
// and rounds its operands under mixed and f16; under f16 the vec4 forward and dgrad kernels read
// the f16 copy of w (src/kernels/half-weights.ts), the scalar ones (any channel count) run mixed.
import type { Device } from '../gpu/device.ts';
import { dispatch, grid1d, groups, type GpuView } from '../gpu/dispatch.ts';
import type { KernelSpec } from '../gpu/pipeline-cache.ts';
import { specializeShader } from '../gpu/specialize.ts';
import { precisionOf, precisionPrelude } from '../gpu/precision.ts';
import { canUseSubgroupMatrix } from '../gpu/subgroup-matrix.ts';
import { Tensor, shapeStr } from '../graph/tensor.ts';
import { activationCode } from './activation.ts';
import { precisionWeight } from './half-weights.ts';
import { autoTile, CONV_TILES, convGeometry, convParams, dgradPixels, FWD_TILES, fwdPixelsOnX, MAX_FWD_PX, MAX_PX, pixelGrid, splitK, type ConvGeometry, type ConvOptions, type ConvTile } from './conv-geometry.ts';
import { conv2dDgradSubgroupMatrix, conv2dSubgroupMatrix, conv2dWgradSubgroupMatrix } from './conv2d-sgmat.ts';
import { reduce } from './reduce.ts';
import { convKey, tunedChoice, tunedConvTile, tunedNumber } from './tuning.ts';

const overrides = (t: ConvTile) => ({ PX: t.PX, WGX: t.WGX, WGY: t.WGY });
const WGRAD = { shader: 'conv2d_wgrad', inputs: 2, outputs: 1, overrides: { WGX: 4, WGY: 16 } };
/**
 * Register blocks of the vec4 wgrad: CQ channel quads x FQ filter quads per thread (consts of
 * conv2d_wgrad_vec4.wgsl, its own text per block); tested each, tuned per geometry, default 1 x 2.
 * The larger ones are for CPU adapters, which pay per loaded value: on llvmpipe 4 x 4 ran VGG16-48's
 * block 5 filter gradient (batch 32) 1.5x faster than 1 x 4 and 1.9x faster than 1 x 2; 4 x 8,
 * 8 x 4 and 8 x 8 ran no faster than 4 x 4, so they are not offered.
 */
export interface WgradBlock { CQ: number; FQ: number }
export const WGRAD_BLOCKS: readonly WgradBlock[] = [
  { CQ: 1, FQ: 1 },
  { CQ: 1, FQ: 2 },
  { CQ: 1, FQ: 4 },
  { CQ: 2, FQ: 4 },
  { CQ: 4, FQ: 4 },
  { CQ: 2, FQ: 8 },
];
export const wgradBlockName = (b: WgradBlock) => `${b.CQ}x${b.FQ}`;
/** The blocks the autotuner tries: all on CPU adapters, up to 4 quads (1 x 4) on GPUs' registers. */
export function wgradBlocks(device: Device): readonly WgradBlock[] {
  return device.isSoftware ? WGRAD_BLOCKS : WGRAD_BLOCKS.filter((b) => b.CQ * b.FQ <= 4);
}
// 8 x 8 threads: on llvmpipe 1.3-1.4x faster than 4 x 16 for the 1 x 2 to 4 x 4 blocks on block 5.
const WGRAD_VEC4_WG = { WGX: 8, WGY: 8 };
const wgradVec4 = (b: WgradBlock): KernelSpec => ({
  shader: specializeShader('conv2d_wgrad_vec4', { CQ: b.CQ, FQ: b.FQ }), inputs: 2, outputs: 1, overrides: WGRAD_VEC4_WG,
});

/** The vec4 kernels need whole quads of channels and filters; `vec4: false` forces the scalar ones. */
const useVec4 = (g: ConvGeometry, want?: boolean) => want !== false && g.C % 4 === 0 && g.O % 4 === 0;
/**
 * Filter quads per thread of the vec4 forward (1: conv2d_vec4; 2, 4, 8: conv2d_vec8 specialized
 * to OQ, which reuses each input vec4 for 4*OQ filters); tested each, tuned per geometry. Default
 * 4 where the filters fill it: on llvmpipe OQ 4 measured ~1.5-2.5x the vec4 kernel on VGG16's
 * layers; 8 (with 16-32 pixels, FWD_TILES) is for the autotuner on CPU adapters.
 */
export const FWD_OQ = [1, 2, 4, 8] as const;

/**
 * The tiles the forward offers: FWD_TILES' larger ones only for the register-blocked kernel
 * (oq > 1) on CPU adapters (too many accumulators for a GPU's registers) in f32 (with f16
 * rounding emulated, llvmpipe took a minute to compile the 32-pixel x 8-quad block, against
 * 0.1 s in f32).
 */
export function fwdTiles(device: Device, oq: number): readonly ConvTile[] {
  return oq > 1 && device.isSoftware && precisionOf(device) === 'f32' ? FWD_TILES : CONV_TILES;
}

/** The filter quads the autotuner tries: 8 only on CPU adapters (8 pixels x 32 filters = 256 accumulators). */
export function fwdOqs(device: Device): readonly number[] {
  return device.isSoftware ? FWD_OQ : FWD_OQ.filter((q) => q <= 4);
}

/** The register-blocked forward's kernel for `tile` and `oq` > 1 (its own text per PX and OQ). */
export function fwdVec8Spec(tile: ConvTile, oq: number, pixelsOnX: boolean, prelude?: string): KernelSpec {
  return {
    shader: specializeShader('conv2d_vec8', { PX: tile.PX, OQ: oq }),
    inputs: 3, outputs: 1, overrides: { WGX: tile.WGX, WGY: tile.WGY, PXG: pixelsOnX ? 1 : 0 }, prelude,
  };
}

export interface EpilogueOptions {
  bias?: Tensor | null;
  activation?: string;
  alpha?: number;
  tile?: ConvTile;
  /** Use the vec4 kernel when channels allow (default); false forces the scalar kernel (tests). */
  vec4?: boolean;
  /** Filter quads per thread of the vec4 forward (FWD_OQ); default the tuned choice, else 2. */
  oq?: number;
  /** Channel quads per thread of the vec4 dgrad (DGRAD_CQ); default the tuned choice, else dgradCq(). */
  cq?: number;
  /** The forward's grid layout (override PXG): pixel groups on x when true; default fwdPixelsOnX(). */
  pixelsOnX?: boolean;
  /** How a stride-1 dgrad runs (DGRAD_PATHS); default the tuned path, else 'forward'. */
  path?: DgradPath;
}

const geomStr = (g: ConvGeometry) => `${g.KH}x${g.KW} s${g.SH},${g.SW} d${g.DH},${g.DW}`;

/** Geometry of conv2d(x, w) for an HWIO kernel, with shape checks naming the op. */
/**
 * Under mixed and f16, adapters with subgroup matrices run the convs on tensor cores
 * (conv2d-sgmat.ts; they read the f32 weight, so f16 behaves as mixed there), unless a caller
 * (tests, the autotuner) asks for a particular variant of the kernels below.
 */
function onTensorCores(device: Device, e: EpilogueOptions = {}): boolean {
  const chosen = e.tile !== undefined || e.vec4 !== undefined || e.oq !== undefined || e.cq !== undefined || e.pixelsOnX !== undefined;
  return precisionOf(device) !== 'f32' && !chosen && canUseSubgroupMatrix(device);
}

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
  if (onTensorCores(x.device, e)) return conv2dSubgroupMatrix(x, w, g, e);
  return forwardKernels(x, (v4) => precisionWeight(w, v4), g, e, `conv2d ${shapeStr(x.shape)} ${geomStr(g)} -> ${g.O}`);
}

/** The forward kernels (scalar, vec4, register-blocked) on input x and the weight `weightFor` gives. */
function forwardKernels(x: Tensor, weightFor: (v4: boolean) => { prelude: string; weight: GpuView }, g: ConvGeometry, e: EpilogueOptions, label: string): Tensor {
  const bias = e.bias ?? null;
  const v4 = useVec4(g, e.vec4);
  const oq = v4 ? (e.oq ?? tunedNumber(x.device, convKey('conv2d_oq', g), FWD_OQ) ?? (g.O >= 16 ? 4 : g.O >= 8 ? 2 : 1)) : 1;
  if (!(FWD_OQ as readonly number[]).includes(oq)) throw new Error(`conv2d: oq ${oq} must be one of ${FWD_OQ.join(', ')}`);
  // Only the register-blocked kernel (oq > 1) has the larger tiles; a stored one goes with its oq.
  const blocked = v4 && oq > 1;
  const tile = e.tile ?? tunedConvTile(x.device, 'conv2d', g, fwdTiles(x.device, v4 ? oq : 1)) ?? autoTile(g.O);
  const y = Tensor.empty([g.N, g.OH, g.OW, g.O], 'conv2d');
  const { prelude, weight } = weightFor(v4);
  // Threads along filters: 4 filters each (scalar, vec4) or 4*OQ (vec8), as quads for pixelGrid.
  const channels = Math.ceil(g.O / (4 * oq)) * 4;
  const pxg = e.pixelsOnX ?? fwdPixelsOnX(tile, channels, g.N * g.OH * g.OW);
  dispatch(
    blocked
      ? fwdVec8Spec(tile, oq, pxg, prelude)
      : { shader: v4 ? 'conv2d_vec4' : 'conv2d', inputs: 3, outputs: 1, overrides: { ...overrides(tile), PXG: pxg ? 1 : 0 }, prelude },
    [x, weight, bias ?? weight],
    [y],
    convParams(g, { bias: !!bias, act: activationCode(e.activation ?? 'linear'), alpha: e.alpha }),
    pixelGrid(x.device, tile, channels, g.N * g.OH * g.OW, pxg, blocked ? MAX_FWD_PX : MAX_PX),
    label,
  );
  return y;
}

/**
 * The two ways a stride-1 input gradient can run (EpilogueOptions.path): 'forward', the forward
 * conv of dy with the kernel's taps flipped and its channels transposed (dgradForwardGeometry,
 * flippedKernel), which gets the forward's larger register blocks (FWD_TILES), or 'kernels', the
 * dgrad kernels, whose pixel groups cannot span image rows. The autotuner times both per
 * geometry; untuned, 'forward'. On llvmpipe the forward path took 0.7x the time on VGG16-48's
 * block 3 (batch 8) and 0.6-0.8x on block 5 at batch 32, but 1.35x on block 5 at batch 8.
 */
export const DGRAD_PATHS = ['forward', 'kernels'] as const;
export type DgradPath = (typeof DGRAD_PATHS)[number];

/** Stride 1, vec4 channels, f32 (where the larger blocks are offered): the forward path can run. */
export function dgradForwardEligible(device: Device, g: ConvGeometry): boolean {
  return g.SH === 1 && g.SW === 1 && useVec4(g) && precisionOf(device) === 'f32';
}

/**
 * Whether conv2dDgrad takes the forward path: eligible, and asked for (`e.path`) or tuned or,
 * untuned, by default; never when a caller (tests, the autotuner) asks for a dgrad kernel variant.
 */
export function dgradAsForward(device: Device, g: ConvGeometry, e: EpilogueOptions = {}): boolean {
  const chosen = e.tile !== undefined || e.vec4 !== undefined || e.cq !== undefined || e.oq !== undefined || e.pixelsOnX !== undefined;
  if (chosen || !dgradForwardEligible(device, g)) return false;
  const path = e.path ?? tunedChoice(device, convKey('conv2d_dgrad_path', g), DGRAD_PATHS, String) ?? 'forward';
  return path === 'forward';
}

/** The forward geometry of a stride-1 dgrad: input dy, output dx, pads (K - 1) * D - P. */
export function dgradForwardGeometry(g: ConvGeometry): ConvGeometry {
  return { ...g, H: g.OH, W: g.OW, C: g.O, OH: g.H, OW: g.W, O: g.C, PT: (g.KH - 1) * g.DH - g.PT, PL: (g.KW - 1) * g.DW - g.PL };
}

const FLIP = { shader: 'conv_kernel_flip', inputs: 1, outputs: 1 };

/** w [KH,KW,C,O] as [KH,KW,O,C] with its taps flipped, cached on w's storage until w changes. */
export function flippedKernel(w: Tensor): GpuView {
  const [KH, KW, C, O] = w.shape;
  // The key names the shape: views of one storage could read it as other kernels.
  return w.derived(`dgrad-flip ${w.shape}`, w.size * 4, (dst) =>
    dispatch(FLIP, [w], [dst], [KH, KW, C, O], grid1d(w.device, groups(w.size, 256)), `flipped kernel of ${w.name || 'conv'}`));
}

/**
 * Channel quads per thread of the vec4 dgrad: 0 runs conv2d_dgrad_vec4 (one quad, pixel groups
 * along a row), 1 and 4 conv2d_dgrad_vec8 with override CQ (pixel groups by stride class, each dy
 * vec4 reused for 4*CQ channels); tested each, tuned per geometry. (CQ 2 was slower than both 1
 * and 4 on every layer measured on llvmpipe, so it is not offered.)
 */
export const DGRAD_CQ = [0, 1, 4] as const;

/**
 * The default: 4 quads from 16 channels. On llvmpipe (batch 8) CQ 4 measured 3x CQ 0 on
 * VGG16-48's block 5 (512 channels at 3x3), 1.8x on block 4, 2.2x at 12x12x256, 1.2x at 48x48x64,
 * 1.6x on InceptionV3's 20x20x80 -> 192 and MobileNet's 1x1 14x14x128.
 */
export function dgradCq(C: number): number {
  return C >= 16 ? 4 : 1;
}

/**
 * Grid of conv2d_dgrad_vec8: pixel groups (SH*SW stride classes, each in groups of PX) over x and
 * z, channel quad groups over y. llvmpipe hands each of its threads a contiguous run of
 * workgroups (x fastest); with pixels along x the runs split along the channels, where the work
 * is even, instead of one run getting the partial last pixel workgroups (a 3x3 layer ran on one core).
 */
function dgradVec8Grid(device: Device, tile: ConvTile, g: ConvGeometry, cq: number): [number, number, number] {
  if (!(tile.PX >= 1 && tile.PX <= MAX_PX)) throw new Error(`conv tile: PX ${tile.PX} must be 1..${MAX_PX}`);
  const groups = g.SH * g.SW * Math.ceil((g.N * Math.ceil(g.H / g.SH) * Math.ceil(g.W / g.SW)) / tile.PX);
  const gx = Math.ceil(groups / tile.WGY);
  const z = Math.ceil(gx / device.limits.maxComputeWorkgroupsPerDimension);
  return [Math.ceil(gx / z), Math.ceil(Math.ceil(g.C / (4 * cq)) / tile.WGX), z];
}

/** dx [N,H,W,C] from dy [N,OH,OW,O] (optionally + bias and activation: Conv2DTranspose). */
export function conv2dDgrad(dy: Tensor, w: Tensor, g: ConvGeometry, e: EpilogueOptions = {}): Tensor {
  if (dy.size !== g.N * g.OH * g.OW * g.O) throw new Error(`conv2d dgrad: dy ${shapeStr(dy.shape)} does not match output [${g.N},${g.OH},${g.OW},${g.O}]`);
  const bias = e.bias ?? null;
  if (bias && bias.size !== g.C) throw new Error(`conv2d dgrad: bias ${shapeStr(bias.shape)} does not match ${g.C} channels`);
  if (onTensorCores(dy.device, e)) return conv2dDgradSubgroupMatrix(dy, w, g, e);
  if (dgradAsForward(dy.device, g, e)) {
    const fg = dgradForwardGeometry(g);
    return forwardKernels(dy, () => ({ prelude: precisionPrelude(dy.device, false), weight: flippedKernel(w) }), fg, { bias: e.bias, activation: e.activation, alpha: e.alpha },
      `conv2d dgrad (as a forward conv) ${shapeStr(dy.shape)} ${geomStr(g)} -> [${g.N},${g.H},${g.W},${g.C}]`);
  }
  const v4 = useVec4(g, e.vec4);
  const cq = v4 ? (e.cq ?? tunedNumber(dy.device, convKey('conv2d_dgrad_cq', g), DGRAD_CQ) ?? dgradCq(g.C)) : 0;
  if (v4 && !(DGRAD_CQ as readonly number[]).includes(cq)) throw new Error(`conv2d dgrad: cq ${cq} must be one of ${DGRAD_CQ.join(', ')}`);
  const tile = e.tile ?? tunedConvTile(dy.device, 'conv2d_dgrad', g) ?? autoTile(cq ? Math.ceil(g.C / (4 * cq)) * 4 : g.C);
  const dx = Tensor.empty([g.N, g.H, g.W, g.C], 'conv2d_dgrad');
  // Kernels that read w as array<W4> through w4() get its f16 copy under f16 (both vec4 dgrads).
  const { prelude, weight } = precisionWeight(w, v4);
  dispatch(
    cq > 0
      ? { shader: 'conv2d_dgrad_vec8', inputs: 3, outputs: 1, overrides: { ...overrides(tile), CQ: cq }, prelude }
      : { shader: v4 ? 'conv2d_dgrad_vec4' : 'conv2d_dgrad', inputs: 3, outputs: 1, overrides: overrides(tile), prelude },
    [dy, weight, bias ?? w],
    [dx],
    convParams(g, { bias: !!bias, act: activationCode(e.activation ?? 'linear'), alpha: e.alpha }),
    cq > 0 ? dgradVec8Grid(dy.device, tile, g, cq) : pixelGrid(dy.device, tile, g.C, dgradPixels(g, tile)),
    `conv2d dgrad ${shapeStr(dy.shape)} ${geomStr(g)} -> ${shapeStr(dx.shape)}`,
  );
  return dx;
}

/**
 * dw [KH,KW,C,O] = sum over pixels of x (through each tap) times dy. `blockWanted`: the vec4
 * kernel's register block (WGRAD_BLOCKS; default the tuned one, else 1 x 2).
 */
export function conv2dWgrad(x: Tensor, dy: Tensor, g: ConvGeometry, vec4?: boolean, blockWanted?: WgradBlock): Tensor {
  if (onTensorCores(x.device, { vec4, oq: blockWanted?.FQ })) return conv2dWgradSubgroupMatrix(x, dy, g);
  const block = blockWanted ?? tunedChoice(x.device, convKey('conv2d_wgrad', g), WGRAD_BLOCKS, wgradBlockName) ?? WGRAD_BLOCKS[1];
  if (!WGRAD_BLOCKS.some((b) => wgradBlockName(b) === wgradBlockName(block))) {
    throw new Error(`conv2d wgrad: block ${wgradBlockName(block)} is not one of ${WGRAD_BLOCKS.map(wgradBlockName).join(', ')}`);
  }
  const R = g.KH * g.KW * g.C;
  const K = g.N * g.OH * g.OW;
  const v4 = useVec4(g, vec4);
  // Threads: along filters quads (scalar) or FQ quads each (vec4); along rows a (tap, channel
  // quad) each (scalar) or a tap's group of CQ channel quads (vec4).
  const tx = v4 ? Math.ceil(g.O / 4 / block.FQ) : Math.ceil(g.O / 4);
  const ty = v4 ? g.KH * g.KW * Math.ceil(g.C / 4 / block.CQ) : Math.ceil(R / 4);
  const { splits, chunk } = splitK(x.device, ty * tx, K);
  const part = Tensor.empty([splits, R * g.O], 'conv2d_wgrad_partial');
  dispatch(
    { ...(v4 ? wgradVec4(block) : WGRAD), prelude: precisionPrelude(x.device, false) },
    [x, dy],
    [part],
    convParams(g, { splits, chunk }),
    v4 ? [Math.ceil(tx / WGRAD_VEC4_WG.WGX), Math.ceil(ty / WGRAD_VEC4_WG.WGY), splits] : [Math.ceil(tx / 4), Math.ceil(ty / 16), splits],
    `conv2d wgrad ${shapeStr(x.shape)} ${geomStr(g)} splits ${splits}`,
  );
  const summed = splits === 1 ? part.view() : reduce('sum', part, [0]);
  part.dispose();
  const dw = summed.reshape([g.KH, g.KW, g.C, g.O]);
  summed.dispose();
  return dw;
}
