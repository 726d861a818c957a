// Node edge for MXNet files: the Gluon model cache ($MXNET_HOME/models or ~/.mxnet/models), and a
// symbol + parameter pair from disk (`prefix-symbol.json` with the newest `prefix-NNNN.params`).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileSource } from './files.ts';
import { readMxnetParams, type MxParams } from '../loaders/mxnet/params.ts';
import { parseSymbol, buildSymbolModel, loadSymbolParams, inferInputShape, type SymbolModel, type MxSymbol } from '../loaders/mxnet/symbol.ts';
import type { LoadReport } from '../graph/load-weights.ts';
import { gluonResnet, type GluonModel, type GluonResnetOptions } from '../zoo/gluon-resnet.ts';
import { loadGluonParams } from '../loaders/mxnet/names.ts';

export function mxnetModelDir(): string {
  return process.env.MXNET_HOME ? join(process.env.MXNET_HOME, 'models') : join(homedir(), '.mxnet', 'models');
}

/** The cached Gluon model-zoo file for `id` (`resnet18_v2-a81db45f.params`), or null. Never downloads. */
export function findGluonWeights(id: string, dir = mxnetModelDir()): string | null {
  if (!existsSync(dir)) return null;
  const hit = readdirSync(dir).filter((f) => f.startsWith(`${id}-`) && /^[0-9a-f]{8}\.params$/.test(f.slice(id.length + 1))).sort();
  return hit.length ? join(dir, hit[hit.length - 1]) : null;
}

export async function readMxnetParamsFile(path: string): Promise<MxParams> {
  const src = fileSource(path);
  try {
    return await readMxnetParams(src);
  } finally {
    src.close();
  }
}

/** True for a symbol JSON (`-symbol.json`, or any JSON whose top level has "nodes" and "heads"). */
export function isMxnetSymbolFile(path: string): boolean {
  if (/-symbol\.json$/i.test(path)) return true;
  if (!/\.json$/i.test(path) || !existsSync(path)) return false;
  try {
    const head = readFileSync(path, 'utf8').slice(0, 4096);
    return /^\s*\{\s*"nodes"\s*:/.test(head);
  } catch {
    return false;
  }
}

/** The parameter file beside a symbol: `prefix-NNNN.params` (newest epoch), or `name.params`. */
export function paramsBesideSymbol(symbolPath: string): string | null {
  const dir = dirname(symbolPath);
  const base = basename(symbolPath);
  const m = /^(.*)-symbol\.json$/i.exec(base);
  const stem = m ? m[1] : base.replace(/\.json$/i, '');
  const files = existsSync(dir) ? readdirSync(dir) : [];
  const epochs = files.filter((f) => f.startsWith(`${stem}-`) && /^\d{4}\.params$/.test(f.slice(stem.length + 1))).sort();
  if (epochs.length) return join(dir, epochs[epochs.length - 1]);
  return files.includes(`${stem}.params`) ? join(dir, `${stem}.params`) : null;
}

export interface MxnetModelFile {
  symbol: MxSymbol;
  sm: SymbolModel;
  paramsPath: string | null;
  report: LoadReport | null;
}

/**
 * Builds the model of a symbol file and loads its parameters (from `paramsPath` or beside it).
 * The input shape comes from the option, a `prefix-shapes.json`, or the parameters (224 x 224).
 */
export async function loadMxnetSymbolFile(path: string, opts: { paramsPath?: string; inputShape?: number[] } = {}): Promise<MxnetModelFile> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`${path}: cannot open (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const symbol = parseSymbol(text, path);
  const paramsPath = opts.paramsPath ?? paramsBesideSymbol(path);
  const params = paramsPath ? await readMxnetParamsFile(paramsPath) : null;
  let inputShape = opts.inputShape;
  const shapesFile = path.replace(/-symbol\.json$/i, '-shapes.json');
  if (!inputShape && shapesFile !== path && existsSync(shapesFile)) {
    const s = JSON.parse(readFileSync(shapesFile, 'utf8')) as { name: string; shape: number[] }[];
    const d = s.find((x) => x.name === 'data') ?? s[0];
    if (d) inputShape = d.shape.slice(1);
  }
  const name = basename(path).replace(/(-symbol)?\.json$/i, '');
  const build = (shape: number[]) => {
    const sm = buildSymbolModel(symbol, { inputShape: shape, file: path, name });
    try {
      return { sm, report: params ? loadSymbolParams(sm, params.map, {}, paramsPath!) : null };
    } catch (e) {
      sm.model.dispose();
      throw e;
    }
  };
  if (inputShape) return { symbol, paramsPath, ...build(inputShape) };
  const guess = params ? inferInputShape(symbol, params.map) : null;
  if (!guess) throw new Error(`${path}: cannot tell the input shape; give it (C,H,W or F)`);
  if (guess.length !== 3) return { symbol, paramsPath, ...build(guess) };
  // Image sizes the parameters allow (a FullyConnected after a flatten fixes the spatial size).
  let first: Error | null = null;
  for (const s of [224, 299, 227, 112, 96, 64, 48, 32, 28, 24, 12]) {
    try {
      return { symbol, paramsPath, ...build([guess[0], s, s]) };
    } catch (e) {
      first ??= e as Error;
      if (!/shapes differ|cannot build/.test((e as Error).message)) throw e;
    }
  }
  throw first!;
}

/**
 * A Gluon model-zoo ResNet with the weights of the MXNet cache when the file is there
 * (`$MXNET_HOME/models/resnet18_v2-a81db45f.params`); never downloads.
 */
export async function gluonResnetFromCache(id: string, opts: GluonResnetOptions = {}, dir = mxnetModelDir()): Promise<{ gluon: GluonModel; weightsPath: string | null; report: LoadReport | null }> {
  const gluon = gluonResnet(id, opts);
  const weightsPath = findGluonWeights(id, dir);
  if (!weightsPath) return { gluon, weightsPath: null, report: null };
  const p = await readMxnetParamsFile(weightsPath);
  const report = loadGluonParams(gluon, p.map, { skipMismatch: (opts.classes ?? 1000) !== 1000 }, weightsPath);
  return { gluon, weightsPath, report };
}
