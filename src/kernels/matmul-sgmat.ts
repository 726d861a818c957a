// matmul on tensor cores (wgsl/matmul_sgmat.wgsl): same signature and semantics as `matmul` in
// matmul.ts, with the operands rounded to f16 and the products accumulated in f32 (the `mixed`
// precision). Only where canUseSubgroupMatrix(device); the caller chooses between the two.
import type { Device } from '../gpu/device.ts';
import type { KernelSpec } from '../gpu/pipeline-cache.ts';
import { dispatch, f32 } from '../gpu/dispatch.ts';
import {
  canUseSubgroupMatrix, sgmatOverrides, sgmatShader, subgroupMatrixPlan, subgroupMatrixUnsupported, type SubgroupMatrixPlan,
} from '../gpu/subgroup-matrix.ts';
import { Tensor, shapeStr } from '../graph/tensor.ts';
import { activationCode } from './activation.ts';
import type { MatmulOptions } from './matmul.ts';

export { canUseSubgroupMatrix };

/**
 * Row tiles over y, split over z when they exceed the per-dimension limit (the kernel reads the
 * tile row as wid.y + wid.z * num_workgroups.y and drops the overshoot).
 */
export function tileGrid(device: Device, colTiles: number, rowTiles: number): [number, number, number] {
  const max = device.limits.maxComputeWorkgroupsPerDimension;
  if (colTiles > max) throw new Error(`${colTiles} column tiles exceed the device limit ${max} workgroups per dimension`);
  if (rowTiles <= max) return [colTiles, rowTiles, 1];
  const z = Math.ceil(rowTiles / max);
  return [colTiles, Math.ceil(rowTiles / z), z];
}

/** The pipeline of one transpose mode under `plan` (tests compile each). */
export function matmulSgmatKernel(plan: SubgroupMatrixPlan, transposeA: boolean, transposeB: boolean): KernelSpec {
  return {
    shader: sgmatShader('matmul_sgmat', plan.config),
    inputs: 3,
    outputs: 1,
    overrides: sgmatOverrides(plan, { A_T: transposeA ? 1 : 0, B_T: transposeB ? 1 : 0 }),
  };
}

/** The device's plan, or an error naming what is missing. */
export function requirePlan(op: string, device: Device): SubgroupMatrixPlan {
  const plan = subgroupMatrixPlan(device);
  if (!plan) throw new Error(`${op}: subgroup-matrix kernel unavailable: ${subgroupMatrixUnsupported(device)}`);
  return plan;
}

export function matmulSubgroupMatrix(a: Tensor, b: Tensor, opts: MatmulOptions = {}): Tensor {
  const plan = requirePlan('matmul', a.device);
  return recordMatmulSgmat(a, b, opts, plan, matmulSgmatKernel(plan, !!opts.transposeA, !!opts.transposeB));
}

/**
 * Records the GEMM with a given plan and kernel: matmulSubgroupMatrix passes the device's; tests
 * also pass an emulation of the kernel that runs without the feature (test/helpers/sgmat-emulation.ts).
 */
export function recordMatmulSgmat(a: Tensor, b: Tensor, opts: MatmulOptions, plan: SubgroupMatrixPlan, kernel: KernelSpec): Tensor {
  if (a.rank !== 2 || b.rank !== 2) {
    throw new Error(`matmul: expects 2-D operands, got ${shapeStr(a.shape)} and ${shapeStr(b.shape)}`);
  }
  const device = a.device;
  const tA = !!opts.transposeA;
  const tB = !!opts.transposeB;
  const [ar, ac] = a.shape;
  const [br, bc] = b.shape;
  const [M, K] = tA ? [ac, ar] : [ar, ac];
  const [K2, N] = tB ? [bc, br] : [br, bc];
  if (K !== K2) {
    throw new Error(`matmul: inner sizes differ: ${shapeStr(a.shape)}${tA ? 'ᵀ' : ''} x ${shapeStr(b.shape)}${tB ? 'ᵀ' : ''}`);
  }
  const bias = opts.bias ?? null;
  if (bias && bias.size !== N) throw new Error(`matmul: bias ${shapeStr(bias.shape)} does not match ${N} output columns`);
  const c = Tensor.empty([M, N], 'matmul', device);
  dispatch(
    kernel,
    [a, b, bias ?? b],
    [c],
    [M, N, K, bias ? 1 : 0, activationCode(opts.activation ?? 'linear'), f32(opts.alpha ?? 0)],
    tileGrid(device, Math.ceil(N / plan.BN), Math.ceil(M / plan.BM)),
    `matmul ${M}x${K}x${N}${tA ? ' Aᵀ' : ''}${tB ? ' Bᵀ' : ''} (subgroup matrix ${plan.config.M}x${plan.config.N}x${plan.config.K})`,
  );
  return c;
}
