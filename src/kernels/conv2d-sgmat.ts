// Conv2D on tensor cores: forward (wgsl/conv2d_sgmat.wgsl), input gradient (conv2d_dgrad_sgmat)
// and filter gradient (conv2d_wgrad_sgmat), each an implicit GEMM through include/sgmat.wgsl, with
// the same signatures and semantics as conv2dForward, conv2dDgrad and conv2dWgrad in conv2d.ts.
// x, w and dy are rounded to f16 while staged and the products accumulated in f32 (the `mixed`
// precision). Only where canUseSubgroupMatrix(device). The llvmpipe tiling options of
// EpilogueOptions (tile, vec4, oq) do not apply.
import type { Device } from '../gpu/device.ts';
import { dispatch } from '../gpu/dispatch.ts';
import type { KernelSpec } from '../gpu/pipeline-cache.ts';
import { canUseSubgroupMatrix, sgmatOverrides, sgmatShader, type SubgroupMatrixPlan } from '../gpu/subgroup-matrix.ts';
import { Tensor, shapeStr } from '../graph/tensor.ts';
import { activationCode } from './activation.ts';
import { convParams, type ConvGeometry } from './conv-geometry.ts';
import type { EpilogueOptions } from './conv2d.ts';
import { requirePlan, tileGrid } from './matmul-sgmat.ts';
import { reduce } from './reduce.ts';

export { canUseSubgroupMatrix };

export type SgmatConvKind = 'forward' | 'dgrad' | 'wgrad';

/** The pipeline of one conv kernel under `plan` (tests compile each). */
export function conv2dSgmatKernel(plan: SubgroupMatrixPlan, kind: SgmatConvKind = 'forward'): KernelSpec {
  if (kind === 'wgrad') return { shader: sgmatShader('conv2d_wgrad_sgmat', plan.config), inputs: 2, outputs: 1, overrides: sgmatOverrides(plan, { A_T: 1 }) };
  const shader = kind === 'forward' ? 'conv2d_sgmat' : 'conv2d_dgrad_sgmat';
  return { shader: sgmatShader(shader, plan.config), inputs: 3, outputs: 1, overrides: sgmatOverrides(plan, kind === 'dgrad' ? { B_T: 1 } : {}) };
}

const geomStr = (g: ConvGeometry) => `${g.KH}x${g.KW} s${g.SH},${g.SW} d${g.DH},${g.DW}`;
const planStr = (plan: SubgroupMatrixPlan) => `subgroup matrix ${plan.config.M}x${plan.config.N}x${plan.config.K}`;

function checkShapes(op: string, x: Tensor | null, w: Tensor | null, dy: Tensor | null, g: ConvGeometry): void {
  if (x && x.size !== g.N * g.H * g.W * g.C) throw new Error(`${op}: input ${shapeStr(x.shape)} does not match [${g.N},${g.H},${g.W},${g.C}]`);
  if (w && w.size !== g.KH * g.KW * g.C * g.O) throw new Error(`${op}: kernel ${shapeStr(w.shape)} does not match [${g.KH},${g.KW},${g.C},${g.O}]`);
  if (dy && dy.size !== g.N * g.OH * g.OW * g.O) throw new Error(`${op}: dy ${shapeStr(dy.shape)} does not match output [${g.N},${g.OH},${g.OW},${g.O}]`);
}

/** The forward and dgrad kernels keep each thread on one column of the K slice (see their WGSL). */
function checkColumns(op: string, plan: SubgroupMatrixPlan): void {
  if (plan.WG % plan.BK !== 0) throw new Error(`${op}: subgroup-matrix workgroup of ${plan.WG} threads is not a multiple of the K slice ${plan.BK}`);
}

/** y = act(conv2d(x, w) + bias) for x [N,H,W,C] and w [KH,KW,C,O] (geometry from conv2dGeometry). */
export function conv2dSubgroupMatrix(x: Tensor, w: Tensor, g: ConvGeometry, e: EpilogueOptions = {}): Tensor {
  const plan = requirePlan('conv2d', x.device);
  return recordConv2dSgmat(x, w, g, e, plan, conv2dSgmatKernel(plan));
}

/** Records the forward with a given plan and kernel (tests also pass an emulation, as for matmul). */
export function recordConv2dSgmat(x: Tensor, w: Tensor, g: ConvGeometry, e: EpilogueOptions, plan: SubgroupMatrixPlan, kernel: KernelSpec): Tensor {
  checkShapes('conv2d', x, w, null, g);
  checkColumns('conv2d', plan);
  const bias = e.bias ?? null;
  if (bias && bias.size !== g.O) throw new Error(`conv2d: bias ${shapeStr(bias.shape)} does not match ${g.O} filters`);
  const y = Tensor.empty([g.N, g.OH, g.OW, g.O], 'conv2d', x.device);
  dispatch(
    kernel,
    [x, w, bias ?? w],
    [y],
    convParams(g, { bias: !!bias, act: activationCode(e.activation ?? 'linear'), alpha: e.alpha }),
    tileGrid(x.device, Math.ceil(g.O / plan.BN), Math.ceil((g.N * g.OH * g.OW) / plan.BM)),
    `conv2d ${shapeStr(x.shape)} ${geomStr(g)} -> ${g.O} (${planStr(plan)})`,
  );
  return y;
}

/** dx [N,H,W,C] from dy [N,OH,OW,O] (optionally + bias over C and activation: Conv2DTranspose). */
export function conv2dDgradSubgroupMatrix(dy: Tensor, w: Tensor, g: ConvGeometry, e: EpilogueOptions = {}): Tensor {
  const plan = requirePlan('conv2d dgrad', dy.device);
  return recordConv2dDgradSgmat(dy, w, g, e, plan, conv2dSgmatKernel(plan, 'dgrad'));
}

export function recordConv2dDgradSgmat(dy: Tensor, w: Tensor, g: ConvGeometry, e: EpilogueOptions, plan: SubgroupMatrixPlan, kernel: KernelSpec): Tensor {
  checkShapes('conv2d dgrad', null, w, dy, g);
  checkColumns('conv2d dgrad', plan);
  const bias = e.bias ?? null;
  if (bias && bias.size !== g.C) throw new Error(`conv2d dgrad: bias ${shapeStr(bias.shape)} does not match ${g.C} channels`);
  const dx = Tensor.empty([g.N, g.H, g.W, g.C], 'conv2d_dgrad', dy.device);
  dispatch(
    kernel,
    [dy, w, bias ?? w],
    [dx],
    convParams(g, { bias: !!bias, act: activationCode(e.activation ?? 'linear'), alpha: e.alpha }),
    tileGrid(dy.device, Math.ceil(g.C / plan.BN), Math.ceil((g.N * g.H * g.W) / plan.BM)),
    `conv2d dgrad ${shapeStr(dy.shape)} ${geomStr(g)} -> ${shapeStr(dx.shape)} (${planStr(plan)})`,
  );
  return dx;
}

/**
 * Splits of the wgrad's pixel sum: enough workgroups to fill a large GPU (~1024) when the
 * (kh, kw, c) x filter tiles are few, each split at least 4 K slices long.
 */
export function wgradSplits(device: Device, plan: SubgroupMatrixPlan, g: ConvGeometry): { splits: number; chunk: number } {
  const P = g.N * g.OH * g.OW;
  const tiles = Math.ceil((g.KH * g.KW * g.C) / plan.BM) * Math.ceil(g.O / plan.BN);
  const most = Math.max(1, Math.floor(P / (4 * plan.BK)));
  let splits = Math.max(1, Math.min(Math.ceil(1024 / tiles), most, device.limits.maxComputeWorkgroupsPerDimension));
  const chunk = Math.ceil(P / splits / plan.BK) * plan.BK;
  splits = Math.ceil(P / chunk);
  return { splits, chunk };
}

/** dw [KH,KW,C,O] = sum over pixels of x (through each tap) times dy. */
export function conv2dWgradSubgroupMatrix(x: Tensor, dy: Tensor, g: ConvGeometry): Tensor {
  const plan = requirePlan('conv2d wgrad', x.device);
  return recordConv2dWgradSgmat(x, dy, g, plan, conv2dSgmatKernel(plan, 'wgrad'));
}

export function recordConv2dWgradSgmat(x: Tensor, dy: Tensor, g: ConvGeometry, plan: SubgroupMatrixPlan, kernel: KernelSpec, split?: { splits: number; chunk: number }): Tensor {
  checkShapes('conv2d wgrad', x, null, dy, g);
  const KD = g.KH * g.KW * g.C;
  const { splits, chunk } = split ?? wgradSplits(x.device, plan, g);
  const rowTiles = Math.ceil(KD / plan.BM);
  const colTiles = Math.ceil(g.O / plan.BN);
  const max = x.device.limits.maxComputeWorkgroupsPerDimension;
  if (rowTiles > max || colTiles > max || splits > max) throw new Error(`conv2d wgrad: grid ${colTiles}x${rowTiles}x${splits} exceeds the device limit ${max}`);
  const part = Tensor.empty([splits, KD * g.O], 'conv2d_wgrad_partial', x.device);
  dispatch(
    kernel,
    [x, dy],
    [part],
    convParams(g, { splits, chunk }),
    [colTiles, rowTiles, splits],
    `conv2d wgrad ${shapeStr(x.shape)} ${geomStr(g)} splits ${splits} (${planStr(plan)})`,
  );
  const summed = splits === 1 ? part.view() : reduce('sum', part, [0]);
  part.dispose();
  const dw = summed.reshape([g.KH, g.KW, g.C, g.O]);
  summed.dispose();
  return dw;
}
