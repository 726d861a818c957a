// `--precision f32|mixed|f16`, shared by finetune, run, predict, evaluate, demo (and the bench):
// the flag's definition and help, its check, and the device set up with it.
import { InvalidArgumentError, Option } from 'commander';
import type { Device } from '../gpu/device.ts';
import { initNode } from '../node/dawn.ts';
import { PRECISIONS, isPrecision, precisionOf, precisionSupport, type Precision } from '../gpu/precision.ts';

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
