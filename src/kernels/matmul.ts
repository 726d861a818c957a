// matmul(a, b, {transposeA, transposeB, bias, activation}): the dense layer's GEMM with a fused
// bias + activation epilogue. Operands are 2-D; transposes are strides, never copies.
// Precision (src/gpu/precision.ts): every variant rounds its operands under mixed and f16; under
// f16 the NN and NT variants read b, the dense kernel in the forward and input gradient, from its
// f16 copy (src/kernels/half-weights.ts); the TN variant (b is dy) and the scalar kernel run mixed.
// Under mixed and f16, adapters with subgroup matrices run every mode on tensor cores instead
// (matmul-sgmat.ts; it reads the f32 weight, so f16 behaves as mixed there).
import { dispatch, f32 } from '../gpu/dispatch.ts';
import { Tensor, shapeStr } from '../graph/tensor.ts';
import { activationCode } from './activation.ts';
import { precisionWeight } from './half-weights.ts';
import { canUseSubgroupMatrix, matmulSubgroupMatrix } from './matmul-sgmat.ts';
import { precisionOf } from '../gpu/precision.ts';
import { specializeShader } from '../gpu/specialize.ts';
import type { Device } from '../gpu/device.ts';
import type { KernelSpec } from '../gpu/pipeline-cache.ts';
import { matmulKey, tunedChoice } from './tuning.ts';

const MATMUL = { shader: 'matmul', inputs: 3, outputs: 1, overrides: { WG: 8 } };

/**
 * Register blocks of the NN case (the dense layer's forward, wgsl/matmul_tiled.wgsl): TM rows x
 * 4*TN columns of C per thread, 8 x 8 threads per workgroup. Each is tested against the
 * reference; the autotuner (matmul-tuning.ts) picks among them, else matmulTile() does.
 */
export interface MatmulTile { TM: number; TN: number }
export const MATMUL_TILES: readonly MatmulTile[] = [
  { TM: 8, TN: 2 },
  { TM: 16, TN: 4 },
  { TM: 32, TN: 8 },
];
const TILED_WG = 8;

/** The kernel of one register block (its own text: TM and TN size the register arrays). */
export function tiledSpec(t: MatmulTile): KernelSpec {
  return { shader: specializeShader('matmul_tiled', { TM: t.TM, TN: t.TN }), inputs: 3, outputs: 1, overrides: { WG: TILED_WG } };
}

/**
 * The blocks the autotuner tries on `device`: all on CPU adapters; on GPUs 8 x 8 only, since
 * a thread's 256 or 1024 accumulators of the larger ones would not fit a GPU's registers.
 */
export function matmulTiles(device: Device): readonly MatmulTile[] {
  return device.isSoftware ? MATMUL_TILES : MATMUL_TILES.slice(0, 1);
}

/** A block's name in the tuning store and in labels: rows x columns of C per thread. */
export const tileName = (t: MatmulTile) => `${t.TM}x${4 * t.TN}`;

/** The stored block of an M x K x N product, if one was tuned and is still in MATMUL_TILES. */
export function tunedMatmulTile(device: Device, M: number, K: number, N: number): MatmulTile | null {
  return tunedChoice(device, matmulKey(M, K, N), MATMUL_TILES, tileName);
}

/**
 * The block when nothing is tuned. GPUs: 8 x 8, which their register files hold. CPU adapters:
 * the largest block that still gives 128 threads (two workgroups) of work. Measured on llvmpipe
 * at 1024^3, 32 x 32 ran 2x and 16 x 16 1.5x faster than 8 x 8 (1.7x and 1.3x at 512^3), as
 * llvmpipe loads a per-thread address one SIMD lane at a time: larger blocks load less per
 * multiply-add. SwiftShader: 32 x 32 1.5x at 512^3.
 */
export function matmulTile(device: Device, M: number, N: number): MatmulTile {
  if (!device.isSoftware) return MATMUL_TILES[0];
  const threads = (t: MatmulTile) => Math.ceil(M / t.TM) * Math.ceil(N / (4 * t.TN));
  return [...MATMUL_TILES].reverse().find((t) => threads(t) >= 128) ?? MATMUL_TILES[0];
}
const VEC4 = [0, 1, 2].map((MODE) => ({ shader: 'matmul_vec4', inputs: 3, outputs: 1, overrides: { WG: 8, MODE } }));

/** Which vec4 mode fits (see wgsl/matmul_vec4.wgsl), or null for the scalar kernel. */
function vec4Mode(M: number, N: number, K: number, tA: boolean, tB: boolean): number | null {
  if (!tA && !tB && K % 4 === 0 && N % 4 === 0) return 0;
  if (tA && !tB && M % 4 === 0 && N % 4 === 0) return 1;
  if (!tA && tB && K % 4 === 0) return 2;
  return null;
}

/** Forces the scalar kernel (tests compare both variants). */
export const matmulVariants = { forceScalar: false };

export interface MatmulOptions {
  transposeA?: boolean;
  transposeB?: boolean;
  bias?: Tensor | null;
  activation?: string;
  alpha?: number;
  /** Register block of the NN kernel (one of MATMUL_TILES); default the tuned one, else matmulTile(). */
  tile?: MatmulTile;
}

export function matmul(a: Tensor, b: Tensor, opts: MatmulOptions = {}): Tensor {
  if (a.rank !== 2 || b.rank !== 2) {
    throw new Error(`matmul: expects 2-D operands, got ${shapeStr(a.shape)} and ${shapeStr(b.shape)}`);
  }
  const [ar, ac] = a.shape;
  const [br, bc] = b.shape;
  const [M, K] = opts.transposeA ? [ac, ar] : [ar, ac];
  const [K2, N] = opts.transposeB ? [bc, br] : [br, bc];
  if (K !== K2) {
    throw new Error(
      `matmul: inner sizes differ: ${shapeStr(a.shape)}${opts.transposeA ? 'ᵀ' : ''} x ${shapeStr(b.shape)}${opts.transposeB ? 'ᵀ' : ''}`,
    );
  }
  const bias = opts.bias ?? null;
  if (bias && bias.size !== N) throw new Error(`matmul: bias ${shapeStr(bias.shape)} does not match ${N} output columns`);
  if (precisionOf(a.device) !== 'f32' && canUseSubgroupMatrix(a.device)) return matmulSubgroupMatrix(a, b, opts);
  const [aRs, aCs] = opts.transposeA ? [1, ac] : [ac, 1];
  const [bRs, bCs] = opts.transposeB ? [1, bc] : [bc, 1];
  const c = Tensor.empty([M, N], 'matmul');
  const act = activationCode(opts.activation ?? 'linear');
  const mode = matmulVariants.forceScalar ? null : vec4Mode(M, N, K, !!opts.transposeA, !!opts.transposeB);
  const { prelude, weight } = precisionWeight(b, mode === 0 || mode === 2);
  if (mode === 0) {
    const tile = opts.tile ?? tunedMatmulTile(a.device, M, K, N) ?? matmulTile(a.device, M, N);
    if (!MATMUL_TILES.some((t) => tileName(t) === tileName(tile))) {
      throw new Error(`matmul: tile ${tileName(tile)} is not one of ${MATMUL_TILES.map(tileName).join(', ')}`);
    }
    const { TM, TN } = tile;
    dispatch({ ...tiledSpec(tile), prelude }, [a, weight, bias ?? b], [c], [M, N, K, bias ? 1 : 0, act, f32(opts.alpha ?? 0)],
      [Math.ceil(N / 4 / TN / TILED_WG), Math.ceil(M / TM / TILED_WG), 1], `matmul ${M}x${K}x${N} (tiled ${tileName(tile)})`);
    return c;
  }
  if (mode !== null) {
    dispatch({ ...VEC4[mode], prelude }, [a, weight, bias ?? b], [c], [M, N, K, bias ? 1 : 0, act, f32(opts.alpha ?? 0)],
      [Math.ceil(N / 32), Math.ceil(M / 32), 1], `matmul ${M}x${K}x${N} (vec4 mode ${mode})`);
    return c;
  }
  dispatch(
    { ...MATMUL, prelude },
    [a, b, bias ?? b],
    [c],
    [M, N, K, aRs, aCs, bRs, bCs, bias ? 1 : 0, act, f32(opts.alpha ?? 0)],
    [Math.ceil(N / 32), Math.ceil(M / 32), 1],
    `matmul ${M}x${K}x${N}`,
  );
  return c;
}
