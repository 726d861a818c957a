// Tensor-core kernels (chromium-experimental-subgroup-matrix): matmul_sgmat, conv2d_sgmat (forward),
// conv2d_dgrad_sgmat and conv2d_wgrad_sgmat, all through wgsl/include/sgmat.wgsl.
// (a) On Dawn's Null backend, which advertises the feature and compiles through Tint but runs
//     nothing: every variant builds its pipeline and its dispatches record without validation errors.
// (b) Everywhere: the kernels with each subgroup matrix emulated in plain WGSL
//     (test/helpers/sgmat-emulation.ts) against float64 references, which checks all their indexing
//     (layouts, majorness, offsets, gathers, bounds, drain, epilogue) for several configurations.
// (c) On the test device, only where it has the feature and an f16 -> f32 configuration (e.g. an
//     NVIDIA GPU on Vulkan): the real kernels against float64 references on f16-rounded operands.
//     Elsewhere (the CPU fallback here) these skip with a message.
import { describe, it, beforeAll, expect } from 'vitest';
import { testDevice, upload } from '../helpers/gpu.ts';
import { nullDevice } from '../helpers/null-device.ts';
import { randomArray } from '../helpers/random.ts';
import { expectClose } from '../helpers/compare.ts';
import { refConv, refConvTranspose, refConvWgrad, refGeometry, type Geo } from '../helpers/conv-ref.ts';
import { toHalf } from '../helpers/f16.ts';
import { refMatmul } from '../helpers/matmul-ref.ts';
import { emulatedSgmatShader } from '../helpers/sgmat-emulation.ts';
import type { Device } from '../../src/gpu/device.ts';
import {
  layoutPlan, pickSubgroupMatrixConfig, readSubgroupMatrixConfigs, sgmatOverrides, sgmatShader, sgmatWorkgroupBytes,
  subgroupMatrixPlan, subgroupMatrixUnsupported, type SubgroupMatrixConfig, type SubgroupMatrixPlan,
} from '../../src/gpu/subgroup-matrix.ts';
import { SHADERS } from '../../src/gpu/shaders.gen.ts';
import { canUseSubgroupMatrix, matmulSgmatKernel, matmulSubgroupMatrix, recordMatmulSgmat } from '../../src/kernels/matmul-sgmat.ts';
import {
  conv2dDgradSubgroupMatrix, conv2dSgmatKernel, conv2dSubgroupMatrix, conv2dWgradSubgroupMatrix, recordConv2dDgradSgmat,
  recordConv2dSgmat, recordConv2dWgradSgmat, type SgmatConvKind,
} from '../../src/kernels/conv2d-sgmat.ts';
import { convGeometry, type ConvGeometry, type ConvOptions } from '../../src/kernels/conv-geometry.ts';
import type { KernelSpec } from '../../src/gpu/pipeline-cache.ts';
import { Tensor } from '../../src/graph/tensor.ts';
import { tidy } from '../../src/graph/scope.ts';

const MODES: [boolean, boolean][] = [[false, false], [true, false], [false, true], [true, true]];
const modeName = (tA: boolean, tB: boolean) => `${tA ? 'T' : 'N'}${tB ? 'T' : 'N'}`;
const KINDS: SgmatConvKind[] = ['forward', 'dgrad', 'wgrad'];

/** Conv geometries: [input NHWC, KH, KW, O, options]. Odd sizes, stride 2, same/valid, 1x1, dilation. */
const CONVS: [number[], number, number, number, ConvOptions][] = [
  [[2, 9, 7, 5], 3, 3, 19, { padding: 'same' }],
  [[1, 11, 13, 6], 3, 3, 33, { padding: 'same', strides: 2 }],
  [[3, 5, 6, 40], 1, 1, 37, { padding: 'valid' }],
  [[1, 10, 9, 3], 7, 1, 8, { padding: 'valid', strides: [2, 1] }],
  [[2, 12, 11, 7], 3, 3, 70, { padding: 'same', dilation: 2 }],
  [[1, 8, 8, 130], 1, 1, 9, { padding: 'valid', strides: 2 }],
];
const convName = (i: number) => `${CONVS[i][0].join('x')} ${CONVS[i][1]}x${CONVS[i][2]} -> ${CONVS[i][3]} ${JSON.stringify(CONVS[i][4])}`;

// --- (a) compile-only, Dawn's Null backend ---------------------------------------------------------

describe('subgroup-matrix kernels build on the Null backend', () => {
  let nd: Device | null = null;
  beforeAll(async () => {
    nd = await nullDevice();
  });
  const need = (ctx: { skip: (note?: string) => never }): Device => {
    if (!nd) ctx.skip('this Dawn build has no Null backend');
    return nd!;
  };
  const plan = (d: Device) => subgroupMatrixPlan(d)!;

  it('plans a layout (default config: the Null adapter lists none)', (ctx) => {
    const d = need(ctx);
    expect(subgroupMatrixUnsupported(d)).toBeNull();
    const p = plan(d);
    expect(p.config).toMatchObject({ componentType: 'f16', resultComponentType: 'f32', M: 16, N: 16, K: 16 });
    expect(p.WG % (d.adapter.subgroupMaxSize ?? 32)).toBe(0);
    expect(p.WG % p.BK).toBe(0);
    expect(p.WG).toBeLessThanOrEqual(d.limits.maxComputeInvocationsPerWorkgroup);
    expect(sgmatWorkgroupBytes(p, 12 * (p.BM + p.BK))).toBeLessThanOrEqual(d.limits.maxComputeWorkgroupStorageSize);
  });

  for (const [tA, tB] of MODES)
    it(`matmul ${modeName(tA, tB)} pipeline validates and dispatches record`, async (ctx) => {
      const d = need(ctx);
      await d.pipelines.check(matmulSgmatKernel(plan(d), tA, tB));
      for (const [M, K, N] of [[37, 53, 29], [1, 1, 1], [130, 70, 65]]) {
        const a = Tensor.empty(tA ? [K, M] : [M, K], 'a', d);
        const b = Tensor.empty(tB ? [N, K] : [K, N], 'b', d);
        const bias = Tensor.empty([N], 'bias', d);
        const c = matmulSubgroupMatrix(a, b, { transposeA: tA, transposeB: tB, bias, activation: 'relu' });
        expect(c.shape).toEqual([M, N]);
        await d.sync();
        for (const t of [a, b, bias, c]) t.dispose();
      }
    });

  for (const kind of KINDS)
    it(`conv2d ${kind} pipeline validates and dispatches record`, async (ctx) => {
      const d = need(ctx);
      await d.pipelines.check(conv2dSgmatKernel(plan(d), kind));
      for (const [shape, KH, KW, O, opts] of CONVS) {
        const g = convGeometry('conv2d', shape, KH, KW, O, opts);
        const x = Tensor.empty(shape, 'x', d);
        const w = Tensor.empty([KH, KW, g.C, O], 'w', d);
        const dy = Tensor.empty([g.N, g.OH, g.OW, O], 'dy', d);
        const made: Tensor[] = [x, w, dy];
        if (kind === 'forward') {
          const bias = Tensor.empty([O], 'bias', d);
          made.push(bias, conv2dSubgroupMatrix(x, w, g, { bias, activation: 'relu6' }));
          expect(made[4].shape).toEqual([g.N, g.OH, g.OW, O]);
        } else if (kind === 'dgrad') {
          made.push(conv2dDgradSubgroupMatrix(dy, w, g));
          expect(made[3].shape).toEqual(shape);
        } else {
          // One split: the sum of several runs through reduce, on the current (test) device.
          const P = g.N * g.OH * g.OW;
          made.push(recordConv2dWgradSgmat(x, dy, g, plan(d), conv2dSgmatKernel(plan(d), 'wgrad'), { splits: 1, chunk: P }));
          expect(made[3].shape).toEqual([KH, KW, g.C, O]);
        }
        await d.sync();
        for (const t of made) t.dispose();
      }
    });

  // Other adapters' configurations (Apple-like 8x8x8, NVIDIA's 16x8x16) and the 1-subgroup layout.
  for (const cfg of [{ M: 8, N: 8, K: 8 }, { M: 16, N: 8, K: 16 }])
    it(`compiles for config ${cfg.M}x${cfg.N}x${cfg.K} and one subgroup per workgroup`, async (ctx) => {
      const d = need(ctx);
      const config: SubgroupMatrixConfig = { componentType: 'f16', resultComponentType: 'f32', ...cfg };
      const p = layoutPlan(config, d.adapter.subgroupMaxSize ?? 32, 1, 1);
      for (const [tA, tB] of MODES) await d.pipelines.check(matmulSgmatKernel(p, tA, tB));
      for (const kind of KINDS) await d.pipelines.check(conv2dSgmatKernel(p, kind));
    });
});

// --- configuration choice (no GPU) -------------------------------------------------------------------

describe('subgroup matrix configuration choice', () => {
  const cfg = (componentType: string, resultComponentType: string, M: number, N: number, K: number) => ({ componentType, resultComponentType, M, N, K });

  it('takes f16 -> f32, the largest square first; never an f16 or f32-operand config', () => {
    // NVIDIA on Vulkan (VK_KHR_cooperative_matrix, subgroup scope, as Dawn filters it).
    const nvidia = [
      cfg('f16', 'f16', 16, 8, 8), cfg('f16', 'f16', 16, 8, 16), cfg('f16', 'f16', 16, 16, 16),
      cfg('f16', 'f32', 16, 8, 8), cfg('f16', 'f32', 16, 8, 16), cfg('f16', 'f32', 16, 16, 16),
      cfg('i8', 'i32', 16, 16, 32), cfg('u8', 'u32', 16, 8, 32),
    ];
    expect(pickSubgroupMatrixConfig(nvidia)).toEqual(cfg('f16', 'f32', 16, 16, 16));
    expect(pickSubgroupMatrixConfig(nvidia.slice(0, 5))).toEqual(cfg('f16', 'f32', 16, 8, 16));
    // Apple (f32 and f16-result 8x8x8 only) and Intel Xe2 (f16-result 8x16x16): no f32 accumulation.
    expect(pickSubgroupMatrixConfig([cfg('f32', 'f32', 8, 8, 8), cfg('f16', 'f16', 8, 8, 8)])).toBeNull();
    expect(pickSubgroupMatrixConfig([cfg('f16', 'f16', 8, 16, 16)])).toBeNull();
    expect(pickSubgroupMatrixConfig([cfg('f16', 'f32', 16, 16, 64), cfg('f16', 'f32', 12, 16, 16), cfg('f16', 'f32', 4, 4, 4)])).toBeNull();
  });

  it('reads GPUAdapterInfo configs field by field', () => {
    class Cfg { get componentType() { return 'f16'; } get resultComponentType() { return 'f32'; } get M() { return 16; } get N() { return 8; } get K() { return 16; } }
    const info = { subgroupMatrixConfigs: [new Cfg()] } as unknown as GPUAdapterInfo;
    expect(readSubgroupMatrixConfigs(info)).toEqual([cfg('f16', 'f32', 16, 8, 16)]);
    expect(readSubgroupMatrixConfigs({} as GPUAdapterInfo)).toEqual([]);
  });

  it('registers per-config shader text with the SG_M/N/K consts rewritten', () => {
    const name = sgmatShader('matmul_sgmat', cfg('f16', 'f32', 16, 8, 16));
    expect(name).toBe('matmul_sgmat@16x8x16');
    expect(SHADERS[name]).toMatch(/^const SG_M: u32 = 16u;$/m);
    expect(SHADERS[name]).toMatch(/^const SG_N: u32 = 8u;$/m);
    expect(SHADERS[name]).toMatch(/^const SG_K: u32 = 16u;$/m);
  });
});

// --- references and data -----------------------------------------------------------------------------

/** Random values on a 1/256 grid: exact in f16, so only the f32 accumulation order differs. */
const gridArray = (n: number, seed: number) => randomArray(n, seed).map((v) => Math.round(v * 256) / 256 || 1 / 256);



interface ConvKernels {
  plan: SubgroupMatrixPlan;
  kernel: (kind: SgmatConvKind) => KernelSpec;
}

/** Runs conv case i of `kind` on grid data and compares it with the float64 reference. */
async function checkConv(i: number, kind: SgmatConvKind, k: ConvKernels | null, split?: { splits: number; chunk: number }): Promise<void> {
  const [shape, KH, KW, O, opts] = CONVS[i];
  const pair = (v: number | readonly [number, number]): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);
  const geo = refGeometry(shape, KH, KW, O, pair(opts.strides ?? 1), pair(opts.dilation ?? 1), opts.padding ?? 'valid');
  const g: ConvGeometry = convGeometry('conv2d', shape, KH, KW, O, opts);
  const C = shape[3];
  const ySize = g.N * g.OH * g.OW * O;
  const x = gridArray(shape.reduce((p, v) => p * v), 100 + i);
  const w = gridArray(KH * KW * C * O, 200 + i);
  const dy = gridArray(ySize, 300 + i);
  const wShape = [KH, KW, C, O];
  const yShape = [g.N, g.OH, g.OW, O];
  if (kind === 'forward') {
    const b = gridArray(O, 400 + i);
    const e = { bias: null as Tensor | null, activation: 'relu' };
    const ours = await tidy(() => {
      e.bias = upload(b, [O]);
      return k ? recordConv2dSgmat(upload(x, shape), upload(w, wShape), g, e, k.plan, k.kernel(kind)) : conv2dSubgroupMatrix(upload(x, shape), upload(w, wShape), g, e);
    }).data();
    expectClose(ours, refConv(x, w, geo, b, 'relu'), 1e-5, `conv2d forward ${convName(i)}`);
  } else if (kind === 'dgrad') {
    const b = gridArray(C, 500 + i);
    const e = { bias: null as Tensor | null, activation: 'tanh' };
    const ours = await tidy(() => {
      e.bias = upload(b, [C]);
      return k ? recordConv2dDgradSgmat(upload(dy, yShape), upload(w, wShape), g, e, k.plan, k.kernel(kind)) : conv2dDgradSubgroupMatrix(upload(dy, yShape), upload(w, wShape), g, e);
    }).data();
    expectClose(ours, refConvTranspose(dy, w, geo, b, 'tanh'), 1e-5, `conv2d dgrad ${convName(i)}`);
  } else {
    const ours = await tidy(() =>
      k ? recordConv2dWgradSgmat(upload(x, shape), upload(dy, yShape), g, k.plan, k.kernel(kind), split) : conv2dWgradSubgroupMatrix(upload(x, shape), upload(dy, yShape), g),
    ).data();
    expectClose(ours, refConvWgrad(x, dy, geo), 1e-5, `conv2d wgrad ${convName(i)}`);
  }
}

// --- (b) the kernels' indexing, emulated on any adapter ----------------------------------------------

describe('subgroup-matrix kernels, emulated without the feature (test device)', () => {
  beforeAll(testDevice);
  // The H100's layout (f16 16x16x16, 2x2 subgroups of 32), NVIDIA's 16x8x16 with 2x1, Apple-sized 8x8x8.
  const LAYOUTS = [
    { config: { M: 16, N: 16, K: 16 }, SGR: 2, SGC: 2, modes: MODES, shapes: [[37, 53, 29], [130, 70, 65], [1, 3, 1]], convs: [0, 1, 2, 3, 4, 5] },
    { config: { M: 16, N: 8, K: 16 }, SGR: 2, SGC: 1, modes: MODES.slice(2, 3), shapes: [[70, 45, 37]], convs: [1, 4] },
    { config: { M: 8, N: 8, K: 8 }, SGR: 2, SGC: 2, modes: MODES.slice(1, 2), shapes: [[33, 41, 70]], convs: [3] },
  ];
  for (const { config: c, SGR, SGC, modes, shapes, convs } of LAYOUTS) {
    const config = { componentType: 'f16', resultComponentType: 'f32', ...c };
    const plan = layoutPlan(config, 32, SGR, SGC);
    const name = `${c.M}x${c.N}x${c.K} ${SGR}x${SGC}`;
    const kernels: ConvKernels = {
      plan,
      kernel: (kind) => {
        const real = conv2dSgmatKernel(plan, kind);
        return { ...real, shader: emulatedSgmatShader(real.shader.split('@')[0], config) };
      },
    };
    for (const [tA, tB] of modes)
      for (const [M, K, N] of shapes)
        it(`matmul ${name} ${modeName(tA, tB)} ${M}x${K}x${N}`, async () => {
          const kernel = { shader: emulatedSgmatShader('matmul_sgmat', config), inputs: 3, outputs: 1, overrides: sgmatOverrides(plan, { A_T: +tA, B_T: +tB }) };
          const seed = M * 31 + K * 7 + N;
          const a = gridArray(M * K, seed);
          const b = gridArray(K * N, seed + 1);
          const bias = gridArray(N, seed + 2);
          const relu = tA !== tB;
          const ours = await tidy(() =>
            recordMatmulSgmat(upload(a, tA ? [K, M] : [M, K]), upload(b, tB ? [N, K] : [K, N]), {
              transposeA: tA, transposeB: tB, bias: upload(bias, [N]), activation: relu ? 'relu' : 'linear',
            }, plan, kernel),
          ).data();
          expectClose(ours, refMatmul(a, b, M, K, N, tA, tB, bias, relu), 1e-5, 'emulated matmul');
        });
    for (const kind of KINDS)
      for (const i of convs) it(`conv2d ${kind} ${name} ${convName(i)}`, () => checkConv(i, kind, kernels));
    it(`conv2d wgrad ${name} split over pixels (partial sums + reduce)`, () => checkConv(0, 'wgrad', kernels, { splits: 3, chunk: 2 * plan.BK }));
  }
});

// --- (c) the real kernels, where the test device has tensor cores --------------------------------------

describe('subgroup-matrix kernels vs float64 reference (test device)', () => {
  let dev: Device;
  beforeAll(async () => {
    dev = await testDevice();
  });
  const need = (ctx: { skip: (note?: string) => never }) => {
    if (!canUseSubgroupMatrix(dev)) {
      ctx.skip(`no adapter with subgroup matrices here (${subgroupMatrixUnsupported(dev)}); runs on e.g. an NVIDIA GPU on Vulkan`);
    }
  };

  const SHAPES: [number, number, number][] = [[37, 53, 29], [1, 3, 1], [130, 70, 65], [64, 32, 64], [5, 300, 131]];
  for (const [tA, tB] of MODES)
    for (const [M, K, N] of SHAPES)
      it(`matmul ${modeName(tA, tB)} ${M}x${K}x${N}`, async (ctx) => {
        need(ctx);
        const seed = M * 31 + K * 7 + N;
        const a = gridArray(M * K, seed);
        const b = gridArray(K * N, seed + 1);
        const bias = gridArray(N, seed + 2);
        const relu = tA !== tB;
        const ours = await tidy(() =>
          matmulSubgroupMatrix(upload(a, tA ? [K, M] : [M, K]), upload(b, tB ? [N, K] : [K, N]), {
            transposeA: tA, transposeB: tB, bias: upload(bias, [N]), activation: relu ? 'relu' : 'linear',
          }),
        ).data();
        expectClose(ours, refMatmul(a, b, M, K, N, tA, tB, bias, relu), 1e-5, 'matmul (f16-exact operands)');
      });

  it('matmul rounds arbitrary f32 operands to f16 (mixed precision)', async (ctx) => {
    need(ctx);
    const [M, K, N] = [45, 77, 51];
    const a = randomArray(M * K, 5);
    const b = randomArray(K * N, 6);
    const ours = await tidy(() => matmulSubgroupMatrix(upload(a, [M, K]), upload(b, [K, N]))).data();
    // Against f16-rounded operands: tight (a driver may round the other way at a tie, hence not 1e-5).
    expectClose(ours, refMatmul(a.map(toHalf), b.map(toHalf), M, K, N, false, false, null, false), 1e-4, 'matmul vs f16 operands');
    // Against the f32 operands: the f16 rounding error, within a few parts in 1e3.
    expectClose(ours, refMatmul(a, b, M, K, N, false, false, null, false), 5e-3, 'matmul vs f32 operands');
  });

  for (const kind of KINDS)
    CONVS.forEach((_, i) =>
      it(`conv2d ${kind} ${convName(i)}`, async (ctx) => {
        need(ctx);
        await checkConv(i, kind, null);
      }),
    );
});

// --- wiring: matmul and conv2d pick the tensor-core kernels under mixed/f16 only ------------------

describe('matmul and conv2d route to the subgroup-matrix kernels under mixed and f16', () => {
  it('on the Null device, by precision', async (ctx) => {
    const nd = await nullDevice();
    if (!nd) ctx.skip('this Dawn build has no Null backend');
    const { matmul } = await import('../../src/kernels/matmul.ts');
    const { conv2dForward, conv2dDgrad, conv2dWgrad } = await import('../../src/kernels/conv2d.ts');
    const { setPrecision } = await import('../../src/gpu/precision.ts');
    const { currentDevice, hasDevice, setDevice } = await import('../../src/graph/engine.ts');
    // Kernels allocate some intermediates (wgrad's split-K partial sums) on the current device.
    const previous = hasDevice() ? currentDevice() : null;
    setDevice(nd!);
    // The labels of the dispatches recorded since the last sync (the device keeps them for errors).
    const labels = () => (nd as unknown as { labels: string[] }).labels;
    const g = convGeometry('conv2d', [1, 6, 6, 8], 3, 3, 8, { padding: 'same' });
    const run = () => {
      const a = Tensor.empty([16, 12], 'a', nd!);
      const b = Tensor.empty([12, 20], 'b', nd!);
      const x = Tensor.empty([1, 6, 6, 8], 'x', nd!);
      const w = Tensor.empty([3, 3, 8, 8], 'w', nd!);
      const outs = [matmul(a, b), conv2dForward(x, w, g), conv2dDgrad(x, w, g), conv2dWgrad(x, x, g)];
      for (const t of [a, b, x, w, ...outs]) t.dispose();
    };
    try {
      for (const p of ['f32', 'mixed', 'f16'] as const) {
        await nd!.sync();
        setPrecision(nd!, p);
        run();
        const onCores = labels().filter((l) => l.includes('subgroup matrix'));
        expect(onCores.length, `${p}: ${labels().join('; ')}`).toBe(p === 'f32' ? 0 : 4);
      }
      await nd!.sync();
    } finally {
      setPrecision(nd!, 'f32');
      if (previous) setDevice(previous);
    }
  });
});
