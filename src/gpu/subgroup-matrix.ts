// Tensor cores through Dawn's `chromium-experimental-subgroup-matrix`: which matrix configuration
// of the adapter the engine uses, the workgroup layout of the kernels (wgsl/include/sgmat.wgsl) on
// this device, and the per-configuration shader text.
//
// The adapter lists its configurations in GPUAdapterInfo.subgroupMatrixConfigs
// ({componentType, resultComponentType, M, N, K}: an M x K left times a K x N right into an M x N
// result). NVIDIA's Vulkan driver reports, among others, f16 x f16 -> f32 at 16x16x16, 16x8x16
// and 16x8x8 (and the same with an f16 result); Apple reports f16 and f32 8x8x8; Intel Xe2 f16
// 8x16x16. The engine's `mixed`/`f16` precisions need f16 operands and f32 accumulation, so only
// f16 -> f32 configurations are used: an f16 result would also round every partial sum to f16
// (11 bits), far from the f32 accumulation that precision.ts promises, for the long K of conv layers.
import type { Device } from './device.ts';
import { specializeShader } from './specialize.ts';

export interface SubgroupMatrixConfig {
  componentType: string;
  resultComponentType: string;
  M: number;
  N: number;
  K: number;
}

/**
 * The configurations of a GPUAdapterInfo as plain objects. They are WebIDL interface objects, so
 * spreading or JSON.stringify gives `{}`: the fields are read by name.
 */
export function readSubgroupMatrixConfigs(info: GPUAdapterInfo | undefined): SubgroupMatrixConfig[] {
  const list = (info as unknown as { subgroupMatrixConfigs?: Iterable<SubgroupMatrixConfig> } | undefined)?.subgroupMatrixConfigs;
  if (!list) return [];
  return [...list].map((c) => ({ componentType: String(c.componentType), resultComponentType: String(c.resultComponentType), M: c.M, N: c.N, K: c.K }));
}

/**
 * Used where the device has the feature but reports no configuration: Dawn's Null backend (a
 * compile-only device in tests) advertises every feature with an empty list. NVIDIA's shape.
 */
export const DEFAULT_SUBGROUP_MATRIX_CONFIG: SubgroupMatrixConfig = { componentType: 'f16', resultComponentType: 'f32', M: 16, N: 16, K: 16 };

// 8..32 keeps every staged offset and stride a multiple of 16 bytes (see include/sgmat.wgsl).
const pow2 = (v: number) => Number.isInteger(v) && v >= 8 && v <= 32 && (v & (v - 1)) === 0;

/**
 * The best f16 -> f32 configuration the kernels support (M, N, K powers of two from 8 to 32),
 * largest M*N*K first, square before not; null if none.
 */
export function pickSubgroupMatrixConfig(configs: readonly SubgroupMatrixConfig[]): SubgroupMatrixConfig | null {
  const usable = configs.filter(
    (c) => c.componentType === 'f16' && c.resultComponentType === 'f32' && pow2(c.M) && pow2(c.N) && pow2(c.K),
  );
  usable.sort((x, y) => y.M * y.N * y.K - x.M * x.N * x.K || Number(y.M === y.N) - Number(x.M === x.N));
  return usable[0] ?? null;
}

/** Workgroup layout of the subgroup-matrix kernels on one device (overrides of include/sgmat.wgsl). */
export interface SubgroupMatrixPlan {
  config: SubgroupMatrixConfig;
  /** The adapter's subgroupMaxSize: WG must be a multiple of it (Dawn's rule for subgroup matrices). */
  subgroupSize: number;
  /** Threads per workgroup (override WG) = SGR * SGC * subgroupSize. */
  WG: number;
  SGR: number;
  SGC: number;
  KSTEPS: number;
  /** Tile of C per workgroup and K slice per barrier. */
  BM: number;
  BN: number;
  BK: number;
}

/** Result matrices per subgroup (RM x RN in the WGSL) and f16 padding per staged row. */
const RM = 2;
const RN = 2;
const PAD = 8;
/** K elements staged per barrier: a multiple of the config's K. */
const SLICE_K = 32;

/** Bytes of workgroup memory the GEMM core uses, plus `extra` (the conv kernels' offset tables). */
export function sgmatWorkgroupBytes(p: SubgroupMatrixPlan, extra = 0): number {
  const ta = Math.max(p.BM * (p.BK + PAD), p.BK * (p.BM + PAD));
  const tb = Math.max(p.BK * (p.BN + PAD), p.BN * (p.BK + PAD));
  const tc = p.SGR * p.SGC * p.config.M * p.config.N;
  return 2 * ta + 2 * tb + 4 * tc + extra;
}

/** The layout of SGR x SGC subgroups of `subgroupSize` threads, each with 2 x 2 result matrices. */
export function layoutPlan(config: SubgroupMatrixConfig, subgroupSize: number, SGR: number, SGC: number): SubgroupMatrixPlan {
  const KSTEPS = Math.max(1, SLICE_K / config.K);
  return {
    config, subgroupSize, WG: SGR * SGC * subgroupSize, SGR, SGC, KSTEPS,
    BM: SGR * RM * config.M, BN: SGC * RN * config.N, BK: KSTEPS * config.K,
  };
}

const MISSING = ['shader-f16', 'subgroups', 'chromium-experimental-subgroup-matrix'];

/** Why `device` cannot run the subgroup-matrix kernels, or null when it can. */
export function subgroupMatrixUnsupported(device: Device): string | null {
  const missing = MISSING.filter((f) => !device.features.has(f));
  if (missing.length) return `the device lacks ${missing.join(', ')}`;
  return subgroupMatrixPlan(device) ? null : 'no f16 -> f32 subgroup matrix configuration fits this device';
}

const plans = new WeakMap<Device, SubgroupMatrixPlan | null>();

/**
 * The kernels' layout on `device`, or null when it has no usable configuration. Up to 4 subgroups
 * (2 x 2) per workgroup, fewer when the invocation or workgroup-memory limits do not allow them.
 */
export function subgroupMatrixPlan(device: Device): SubgroupMatrixPlan | null {
  if (plans.has(device)) return plans.get(device)!;
  let plan: SubgroupMatrixPlan | null = null;
  if (MISSING.every((f) => device.features.has(f))) {
    const listed = device.adapter.subgroupMatrixConfigs ?? [];
    const config = pickSubgroupMatrixConfig(listed) ?? (listed.length === 0 && device.adapter.backend === 'null' ? DEFAULT_SUBGROUP_MATRIX_CONFIG : null);
    const subgroupSize = device.adapter.subgroupMaxSize ?? 32;
    const maxThreads = Math.min(device.limits.maxComputeInvocationsPerWorkgroup, device.limits.maxComputeWorkgroupSizeX);
    if (config) {
      for (const [SGR, SGC] of [[2, 2], [2, 1], [1, 1]]) {
        const p = layoutPlan(config, subgroupSize, SGR, SGC);
        // conv2d_sgmat and conv2d_dgrad_sgmat keep a thread on one column of the K slice: WG % BK == 0.
        if (p.WG > maxThreads || p.WG % p.BK !== 0) continue;
        // The conv kernels' tables: 3 words per tile row (and per slice column in the wgrad).
        if (sgmatWorkgroupBytes(p, 12 * (p.BM + p.BK)) > device.limits.maxComputeWorkgroupStorageSize) continue;
        plan = p;
        break;
      }
    }
  }
  plans.set(device, plan);
  return plan;
}

/** Whether the subgroup-matrix (tensor core) kernels can run on `device`. */
export function canUseSubgroupMatrix(device: Device): boolean {
  return subgroupMatrixPlan(device) !== null;
}

/**
 * The name under which `base`'s text for `config` is registered in SHADERS (created on first use):
 * the const lines SG_M, SG_N, SG_K of include/sgmat.wgsl set to the config's sizes.
 */
export function sgmatShader(base: string, config: SubgroupMatrixConfig): string {
  return specializeShader(base, { SG_M: config.M, SG_N: config.N, SG_K: config.K }, `${config.M}x${config.N}x${config.K}`);
}

/** The override constants of include/sgmat.wgsl for `plan` (plus the kernel's own). */
export function sgmatOverrides(plan: SubgroupMatrixPlan, extra: Record<string, number> = {}): Record<string, number> {
  return { WG: plan.WG, SGR: plan.SGR, SGC: plan.SGC, KSTEPS: plan.KSTEPS, ...extra };
}
