// `--precision f32|mixed|f16`, shared by finetune, run, predict, evaluate, demo (and the bench):
// the flag's definition and help, its check, and the device set up with it; and the training
// commands' `--loss-scale dynamic|N|none` that goes with it (src/train/loss-scale.ts).
import { InvalidArgumentError, Option } from 'commander';
import type { Device } from '../gpu/device.ts';
import { initNode } from '../node/dawn.ts';
import { PRECISIONS, isPrecision, precisionOf, precisionSupport, type Precision } from '../gpu/precision.ts';
import type { LossScaleConfig, LossScaleOption } from '../train/loss-scale.ts';

export const PRECISION_HELP =
  'matmul/conv arithmetic: f32, mixed (f16-rounded operands, f32 accumulation; weights, gradients and optimizer state stay f32) ' +
  'or f16 (mixed plus f16 weight storage); without shader-f16 the f16 rounding is emulated (same numbers, slower)';

/** The value of `--precision`, or an error that lists the choices. */
export function parsePrecision(v: string): Precision {
  if (!isPrecision(v)) throw new Error(`--precision ${v}: choose one of ${PRECISIONS.join(', ')}`);
  return v;
}

/** The commander option (default f32); a bad value is refused before the command runs. */
export function precisionOption(): Option {
  return new Option('--precision <mode>', PRECISION_HELP).default('f32').argParser((v: string) => {
    if (!isPrecision(v)) throw new InvalidArgumentError(`choose one of ${PRECISIONS.join(', ')}.`);
    return v;
  });
}

/** How the device runs mixed/f16, in words. */
export function realizationText(device: Device): string {
  const r = precisionSupport(device).realization;
  return r === 'tensor-cores'
    ? 'tensor cores (chromium-experimental-subgroup-matrix, shader-f16)'
    : r === 'shader-f16'
      ? 'native f16 (shader-f16)'
      : 'f16 emulated with pack2x16float (no shader-f16 here: same numbers as f16 hardware, slower)';
}

/**
 * The process's device with `precision` applied (the flag's default is f32; undefined, from a
 * programmatic caller, leaves the device's precision as it is). Says so on stderr unless f32.
 */
export async function initWithPrecision(precision: string | undefined): Promise<Device> {
  const device = await initNode(precision === undefined ? {} : { precision: parsePrecision(precision) });
  const p = precisionOf(device);
  if (p !== 'f32') console.error(`precision: ${p}, ${realizationText(device)}`);
  return device;
}

export const LOSS_SCALE_HELP =
  'loss scaling for training in mixed/f16 (gradients below f16 range would flush to 0): dynamic (start 2^15 as Keras, ' +
  'skip the step and halve the scale on inf/NaN gradients, double it after 2000 good steps), a fixed scale N, or none ' +
  '(default: dynamic with --precision mixed|f16, none with f32)';

/** The value of `--loss-scale` (or a programmatic option): dynamic, none/off/false, or a number > 0 (1: none). */
export function parseLossScale(v: string | LossScaleOption): LossScaleOption {
  if (typeof v !== 'string') return v;
  const s = v.trim().toLowerCase();
  if (s === 'dynamic') return 'dynamic';
  if (s === 'none' || s === 'off' || s === 'false') return false;
  const n = Number(s);
  if (s !== '' && Number.isFinite(n) && n > 0) return n;
  throw new Error(`--loss-scale ${v}: use dynamic, none, or a number > 0`);
}

/** The commander option; absent, the precision decides (dynamic under mixed/f16). */
export function lossScaleOption(): Option {
  return new Option('--loss-scale <dynamic|N|none>', LOSS_SCALE_HELP).argParser((v: string) => {
    try {
      return parseLossScale(v);
    } catch {
      throw new InvalidArgumentError('use dynamic, none, or a number > 0.');
    }
  });
}

/** The loss scaling in words, for the log. */
export function lossScaleText(c: LossScaleConfig | null): string {
  if (!c) return 'none';
  return c.dynamic ? `dynamic (initial ${c.initial}, doubled after ${c.growthInterval} good steps)` : `fixed ${c.initial}`;
}
