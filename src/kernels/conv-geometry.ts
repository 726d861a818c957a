// Convolution geometry shared by the conv kernels: output sizes and TensorFlow's padding rule,
// the params block of wgsl/include/conv.wgsl, and the grid for pixel-tiled kernels.
import type { Device } from '../gpu/device.ts';
import { f32, type Param } from '../gpu/dispatch.ts';
import { shapeStr, type Shape } from '../graph/tensor.ts';

export type Padding = 'same' | 'valid';
export type Pair = number | readonly [number, number];

export interface ConvOptions {
  strides?: Pair;
  padding?: Padding;
  dilation?: Pair;
}

/** A forward conv x [N,H,W,C] -> y [N,OH,OW,O] with a KHxKW window. */
export interface ConvGeometry {
  N: number; H: number; W: number; C: number;
  OH: number; OW: number; O: number;
  KH: number; KW: number; SH: number; SW: number; DH: number; DW: number;
  /** Padding before the first row / column; the extra odd pixel goes at bottom/right as in TF. */
  PT: number; PL: number;
}

export const pair = (v: Pair | undefined, dflt = 1): [number, number] =>
  v === undefined ? [dflt, dflt] : typeof v === 'number' ? [v, v] : [v[0], v[1]];

/** Output length and leading pad along one axis (TF: same = ceil(n / s), pad split floor/ceil). */
function axis(n: number, k: number, s: number, d: number, padding: Padding): [number, number] {
  const eff = (k - 1) * d + 1;
  if (padding === 'valid') return [Math.floor((n - eff) / s) + 1, 0];
  const out = Math.ceil(n / s);
  return [out, Math.floor(Math.max((out - 1) * s + eff - n, 0) / 2)];
}

export function convGeometry(op: string, x: Shape, KH: number, KW: number, O: number, opts: ConvOptions = {}): ConvGeometry {
  if (x.length !== 4) throw new Error(`${op}: expects an NHWC input [batch, height, width, channels], got ${shapeStr(x)}`);
  const padding = opts.padding ?? 'valid';
  if (padding !== 'same' && padding !== 'valid') throw new Error(`${op}: padding '${padding}' is not supported (same, valid)`);
  const [SH, SW] = pair(opts.strides);
  const [DH, DW] = pair(opts.dilation);
  for (const v of [KH, KW, O, SH, SW, DH, DW]) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`${op}: kernel ${KH}x${KW}x${O}, strides ${SH},${SW} and dilation ${DH},${DW} must be positive integers`);
  }
  const [N, H, W, C] = x;
  const [OH, PT] = axis(H, KH, SH, DH, padding);
  const [OW, PL] = axis(W, KW, SW, DW, padding);
  if (OH < 1 || OW < 1) {
    throw new Error(`${op}: input ${shapeStr(x)} is smaller than the ${KH}x${KW} kernel (dilation ${DH},${DW}) with '${padding}' padding`);
  }
  return { N, H, W, C, OH, OW, O, KH, KW, SH, SW, DH, DW, PT, PL };
}

/** The Params struct of wgsl/include/conv.wgsl. */
export function convParams(g: ConvGeometry, extra: { bias?: boolean; act?: number; alpha?: number; splits?: number; chunk?: number; mult?: number } = {}): Param[] {
  return [
    g.N, g.H, g.W, g.C, g.OH, g.OW, g.O, g.KH, g.KW, g.SH, g.SW, g.DH, g.DW, g.PT, g.PL,
    extra.bias ? 1 : 0, extra.act ?? 0, f32(extra.alpha ?? 0), extra.splits ?? 1, extra.chunk ?? 0, extra.mult ?? 1,
  ];
}

/**
 * Register tiling of the pixel-tiled kernels (conv2d, conv2d_dgrad, depthwise, depthwise_dgrad),
 * as WGSL override constants: PX pixels x 4 channels per thread, WGX x WGY threads per workgroup.
 * Every variant here is tested against the reference; an autotuner may pick among them.
 */
export interface ConvTile { PX: number; WGX: number; WGY: number }
export const CONV_TILES: readonly ConvTile[] = [
  { PX: 8, WGX: 8, WGY: 8 },
  { PX: 8, WGX: 4, WGY: 16 },
  { PX: 4, WGX: 4, WGY: 16 },
  { PX: 2, WGX: 8, WGY: 8 },
  { PX: 1, WGX: 4, WGY: 16 },
];
/** PX is at most 8: the kernels' per-pixel register arrays have 8 slots. */
export const MAX_PX = 8;
export const DEFAULT_TILE = CONV_TILES[0];
/**
 * The register-blocked forward (conv2d_vec8.wgsl, whose arrays are sized per variant) also offers
 * 16 and 32 pixels per thread. On llvmpipe (VGG16-48, batch 8) the autotuner's picks among them
 * and 8 filter quads ran 1.15-1.55x faster than the best 8-pixel tile: CPU adapters pay per
 * loaded value, and larger blocks load less per multiply-add. Too many registers for a GPU.
 */
export const FWD_TILES: readonly ConvTile[] = [
  ...CONV_TILES,
  { PX: 16, WGX: 8, WGY: 8 },
  { PX: 32, WGX: 8, WGY: 8 },
];
export const MAX_FWD_PX = 32;

/**
 * The tile when the caller names none. On llvmpipe 8 pixels per thread measured 1.5-2x faster
 * than 4, and 4 threads along channels beat 8 when there are fewer than 8 channel quads (a
 * single-thread column was 3-5x slower still, despite no idle threads).
 */
export function autoTile(channels: number): ConvTile {
  return Math.ceil(channels / 4) < DEFAULT_TILE.WGX ? CONV_TILES[1] : DEFAULT_TILE;
}

/**
 * Grid for `channels` (4 per thread, WGX threads per workgroup) x `pixels` (PX per thread, WGY
 * threads per workgroup): channel groups on x and pixel groups over y and z (z splits past the
 * per-dimension limit); with `pixelsOnX` (the forward kernels' override PXG = 1, see
 * fwdPixelsOnX) pixel groups over x and z and channel groups on y. `maxPx`: the kernel's largest PX.
 */
export function pixelGrid(device: Device, tile: ConvTile, channels: number, pixels: number, pixelsOnX = false, maxPx = MAX_PX): [number, number, number] {
  if (!(tile.PX >= 1 && tile.PX <= maxPx)) throw new Error(`conv tile: PX ${tile.PX} must be 1..${maxPx}`);
  const gc = Math.ceil(Math.ceil(channels / 4) / tile.WGX);
  const gp = Math.ceil(Math.ceil(pixels / tile.PX) / tile.WGY);
  const z = Math.ceil(gp / device.limits.maxComputeWorkgroupsPerDimension);
  return pixelsOnX ? [Math.ceil(gp / z), gc, z] : [gc, Math.ceil(gp / z), z];
}

/**
 * The forward kernels' grid layout when the caller names none: pixel groups on x (true) when the
 * channels-on-x layout would leave a CPU adapter's threads unevenly loaded by more than
 * FWD_PIXELS_X_LOSS. llvmpipe hands each of its threads one contiguous run of workgroups, x
 * fastest. With channel groups on x the runs split along the pixel workgroups, and the last row
 * of them, whose empty thread rows (past the last group of PX pixels) cost next to nothing, lands
 * in the last run: the other threads carry the full rows, so the dispatch takes longer than a
 * balanced one by the share of empty thread rows among all. VGG16-48's block 5 at batch 8 has 9
 * groups of 8 pixels in 2 workgroups of 8 rows: 7 of 16 rows empty, one thread doing 32 of 36
 * units of work. With pixel groups on x every channel group repeats the same pattern and the runs
 * split evenly along the channels. Measured on llvmpipe (2 threads), pixels on x took 0.55-0.65x
 * the time on block 5 (7/16 empty), 0.9-0.95x at 7/56..4/40 empty (7x7, 6x6, 9x9 at 256-512
 * filters) and ~0.96-1.0x at 4% and 2.4%; with no empty rows it was the same (vec4, vec8 kernels)
 * or ~3% slower (the scalar kernel on 48x48x3 -> 64), as channel neighbours no longer read the same
 * input pixels one after the other. One workgroup along either side gives the same order both ways.
 */
export function fwdPixelsOnX(tile: ConvTile, channels: number, pixels: number): boolean {
  const gc = Math.ceil(Math.ceil(channels / 4) / tile.WGX);
  const groups = Math.ceil(pixels / tile.PX);
  const gp = Math.ceil(groups / tile.WGY);
  if (gc < 2 || gp < 2) return false;
  return (gp * tile.WGY - groups) / (gp * tile.WGY) > FWD_PIXELS_X_LOSS;
}
/** The share of empty thread rows above which the forward puts pixel groups on x (fwdPixelsOnX). */
export const FWD_PIXELS_X_LOSS = 0.02;

/**
 * Split-K for filter gradients: enough chunks to fill the device, each at least 64 pixels. A GPU
 * wants ~16384 threads; a CPU adapter ~1024 (16 workgroups for 2-16 cores): on llvmpipe VGG16-48's
 * block 5 filter gradient (batch 32, 9216 threads) ran 1.25x faster in one chunk than in two,
 * the extra partial sums and reduce pass buying nothing there.
 */
export function splitK(device: Device, threads: number, K: number): { splits: number; chunk: number } {
  const wanted = Math.ceil((device.isSoftware ? 1024 : 16384) / Math.max(threads, 1));
  let splits = Math.max(1, Math.min(wanted, Math.floor(K / 64), device.limits.maxComputeWorkgroupsPerDimension));
  const chunk = Math.ceil(K / splits);
  splits = Math.ceil(K / chunk);
  return { splits, chunk };
}

/**
 * Pixel count to pass to pixelGrid for the dgrad kernels, whose groups of PX input pixels share a
 * row and a column residue modulo the stride: SW residues x ceil(ceil(W / SW) / PX) groups per row.
 */
export function dgradPixels(g: ConvGeometry, tile: ConvTile): number {
  const perRow = g.SW * Math.ceil(Math.ceil(g.W / g.SW) / tile.PX);
  return g.N * g.H * perRow * tile.PX;
}
