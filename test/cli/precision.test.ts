// --precision f32|mixed|f16: the flag on every command that runs a model, its refusal of other
// values, the library options that set it (initNode, compile), what `wgft info` reports, and
// `wgft run` / `wgft predict` in mixed precision against f32 (different, but within 1e-2).
import { describe, it, expect, beforeAll, afterEach, vi } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Command, CommanderError } from 'commander';
import { nullDevice } from '../helpers/null-device.ts';
import { testDevice } from '../helpers/gpu.ts';
import { FIX, hasFixtures } from '../loaders/keras-files.ts';
import { parsePrecision, precisionOption } from '../../src/cli/precision-flag.ts';
import { precisionOf, precisionSupport, setPrecision } from '../../src/gpu/precision.ts';
import { initNode } from '../../src/node/dawn.ts';
import { compile } from '../../src/train/fit.ts';
import { Sequential } from '../../src/graph/model.ts';
import { Dense } from '../../src/graph/layers/dense.ts';
import { Adam } from '../../src/train/optimizers/index.ts';
import { getLoss } from '../../src/train/losses.ts';
import { runCommand } from '../../src/cli/run.ts';
import { predictCommand } from '../../src/cli/predict.ts';
import { finetuneCommand } from '../../src/cli/finetune.ts';
import { evaluateCommand } from '../../src/cli/evaluate.ts';
import { demoCommand } from '../../src/cli/demo.ts';
import { infoCommand } from '../../src/cli/info.ts';
import { parseNpy } from '../../src/loaders/npy.ts';

const tmp = mkdtempSync(join(tmpdir(), 'wgft-precision-'));

async function capture(fn: () => Promise<unknown>): Promise<string> {
  const out: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  const spyErr = vi.spyOn(console, 'error').mockImplementation(() => {});
  try {
    await fn();
  } finally {
    spy.mockRestore();
    spyErr.mockRestore();
  }
  return out.join('\n');
}

/** Parses argv with a command that throws instead of exiting; the error text it would print. */
async function refusal(cmd: Command, argv: string[]): Promise<string> {
  let err = '';
  cmd.exitOverride().configureOutput({ writeErr: (s) => void (err += s), writeOut: () => {} });
  await expect(cmd.parseAsync(argv, { from: 'user' })).rejects.toBeInstanceOf(CommanderError);
  return err;
}

describe('--precision flag', () => {
  it('parses f32, mixed, f16 (default f32) and refuses anything else, listing the choices', async () => {
    for (const p of ['f32', 'mixed', 'f16']) expect(parsePrecision(p)).toBe(p);
    expect(() => parsePrecision('fp16')).toThrow('--precision fp16: choose one of f32, mixed, f16');
    const parse = (argv: string[]) => new Command().addOption(precisionOption()).exitOverride().parse(argv, { from: 'user' }).opts().precision;
    expect(parse([])).toBe('f32');
    expect(parse(['--precision', 'mixed'])).toBe('mixed');
    expect(parse(['--precision=f16'])).toBe('f16');
    const err = await refusal(new Command().addOption(precisionOption()).action(() => {}), ['--precision', 'bf16']);
    expect(err).toMatch(/--precision <mode>' argument 'bf16' is invalid\. choose one of f32, mixed, f16/);
  });

  it('is on finetune, run, predict, evaluate and demo, documented in their --help', () => {
    for (const make of [finetuneCommand, runCommand, predictCommand, evaluateCommand, demoCommand]) {
      const cmd = make();
      const opt = cmd.options.find((o) => o.long === '--precision');
      expect(opt, cmd.name()).toBeDefined();
      expect(opt!.defaultValue).toBe('f32');
      const help = cmd.helpInformation().replace(/\s+/g, ' ');
      expect(help).toMatch(/--precision <mode> .*f32, mixed .*f16 .*emulated \(same numbers, slower\)/);
    }
  });

  it('a bad value stops wgft run before it touches a file', async () => {
    const err = await refusal(runCommand(), ['--model', join(tmp, 'absent.h5'), '--input', 'x.npy', '--output', 'y.npy', '--precision', 'half']);
    expect(err).toMatch(/choose one of f32, mixed, f16/);
    expect(err).not.toMatch(/absent\.h5/);
  });

  it('precisionSupport names the realization: emulated on the fallback, tensor cores where subgroup matrices fit', async () => {
    const here = await testDevice();
    const support = precisionSupport(here);
    if (!here.features.has('shader-f16')) expect(support).toEqual({ f16: 'emulated', subgroupMatrix: false, realization: 'emulated' });
    // Dawn's Null backend advertises shader-f16 and subgroup matrices (compile-only).
    const all = await nullDevice();
    if (all) expect(precisionSupport(all)).toEqual({ f16: 'native', subgroupMatrix: true, realization: 'tensor-cores' });
  });
});

describe('precision on the device', () => {
  beforeAll(testDevice);
  afterEach(async () => setPrecision(await initNode(), 'f32'));

  it('initNode({ precision }) and compile({ precision }) set it; initNode() without one leaves it', async () => {
    const d = await initNode({ precision: 'mixed' });
    expect(precisionOf(d)).toBe('mixed');
    await initNode();
    expect(precisionOf(d)).toBe('mixed');
    const model = new Sequential([new Dense({ units: 2 })], { inputShape: [3] });
    compile(model, { optimizer: new Adam(), loss: getLoss('mse'), precision: 'f16' });
    expect(precisionOf(d)).toBe('f16');
    compile(model, { optimizer: new Adam(), loss: getLoss('mse') });
    expect(precisionOf(d)).toBe('f16');
    model.dispose();
  });

  it('wgft info --json says how mixed/f16 would run here', async () => {
    const d = await initNode();
    const info = JSON.parse(await capture(() => infoCommand().parseAsync(['--json'], { from: 'user' }))) as { precision: Record<string, unknown>; features: string[] };
    expect(info.precision).toEqual({ choices: ['f32', 'mixed', 'f16'], ...precisionSupport(d) });
    expect(info.precision.f16).toBe(info.features.includes('shader-f16') ? 'native' : 'emulated');
  });
});

/** max |a - b| / max(1, max |b|) (CONTRACTS "within T"). */
function relDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  let m = 1;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(b[i]));
  }
  return d / m;
}

// These pass once the matmul and conv kernels honor the precision (f16-rounded operands).
describe.skipIf(!hasFixtures)('wgft run / predict --precision mixed|f16 against f32', () => {
  beforeAll(testDevice);
  afterEach(async () => setPrecision(await initNode(), 'f32'));

  it('run: a Conv2D + BN + Dense model differs from f32 by more than 0 and less than 1e-2', async () => {
    const d = join(FIX, 'keras/dl4j/fullconfigs_cnn');
    const outputs: Record<string, Float32Array> = {};
    for (const p of ['f32', 'mixed', 'f16']) {
      const out = join(tmp, `y-${p}.npy`);
      await capture(() => runCommand().parseAsync(['--model', join(d, 'cnn_batch_norm.h5'), '--input', join(d, 'input.npy'), '--output', out, '--precision', p], { from: 'user' }));
      outputs[p] = parseNpy(new Uint8Array(readFileSync(out))).data;
    }
    expect(precisionOf(await initNode())).toBe('f16'); // the last run's flag
    for (const p of ['mixed', 'f16']) {
      const r = relDiff(outputs[p], outputs.f32);
      expect(r, `${p} vs f32`).toBeGreaterThan(0);
      expect(r, `${p} vs f32`).toBeLessThan(1e-2);
    }
  });

  it('predict: MobileNet in mixed precision keeps the husky classes; scores move by (0, 1e-2)', async () => {
    const scores: Record<string, { class: number; score: number }[]> = {};
    for (const p of ['f32', 'mixed']) {
      const text = await capture(() => predictCommand().parseAsync(['--model', join(FIX, 'tfjs/mobilenet_v1_0.25_224/model.json'), '--top', '3', '--json', '--precision', p, join(FIX, 'images/dog.jpg')], { from: 'user' }));
      scores[p] = (JSON.parse(text) as { top: { class: number; score: number }[] }[])[0].top;
    }
    expect(scores.mixed.map((t) => t.class).sort()).toEqual([248, 249, 250]);
    const f32 = new Map(scores.f32.map((t) => [t.class, t.score]));
    const diff = Math.max(...scores.mixed.map((t) => Math.abs(t.score - (f32.get(t.class) ?? 0))));
    expect(diff).toBeGreaterThan(0);
    expect(diff).toBeLessThan(1e-2);
  });
});
