// wgft inspect FILE [--json]: lists what a file holds. This file only detects the kind of file
// and hands it to the inspector for that kind; each inspector lives in its own module.
//   TF checkpoints (prefix, .index, data shard, V1 file, checkpoint directory) -> inspect-checkpoint.ts
//   Keras .h5 / .keras, tfjs model.json, MXNet .params, zoo ids -> add a branch in `detectKind`
//   and a case in `inspectAny` (hook points marked HOOK below).
import { Command } from 'commander';
import { existsSync, statSync, openSync, readSync, closeSync } from 'node:fs';
import { formatTensorListing, inspectCheckpoint, isTfCheckpointPath } from './inspect-checkpoint.ts';
import { inspectModel, isZooId } from './inspect-model.ts';
import { inspectMxnet, isMxnetSymbolFile } from './inspect-mxnet.ts';

export type FileKind = 'tf-checkpoint' | 'keras-h5' | 'keras-zip' | 'tfjs' | 'mxnet-params' | 'unknown';

function head(path: string, n: number): Uint8Array {
  if (!existsSync(path) || !statSync(path).isFile()) return new Uint8Array(0);
  const fd = openSync(path, 'r');
  try {
    const b = new Uint8Array(n);
    const got = readSync(fd, b, 0, n, 0);
    return b.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/** The kind of file at `path`, by extension and magic bytes. */
export function detectKind(path: string): FileKind {
  const h = head(path, 8);
  const ascii = String.fromCharCode(...h);
  if (ascii.startsWith('\x89HDF\r\n\x1a\n') || /\.(h5|hdf5)$/i.test(path)) return 'keras-h5'; // HOOK: Keras H5
  if (/\.keras$/i.test(path) || (ascii.startsWith('PK') && !/\.params$/.test(path))) return 'keras-zip'; // HOOK: Keras 3 zip
  if (isMxnetSymbolFile(path)) return 'mxnet-params'; // MXNet symbol JSON (inspect-mxnet.ts tells the two apart)
  if (/\.json$/i.test(path)) return 'tfjs'; // HOOK: tfjs model.json
  if (/\.params$/i.test(path) || (h.length >= 8 && h[0] === 0x12 && h[1] === 0x01 && h.slice(2).every((b) => b === 0))) return 'mxnet-params'; // HOOK: MXNet
  // Checkpoint prefixes and directories (a dangling `checkpoint` state file included, so that its
  // error reaches the user).
  if (isTfCheckpointPath(path) || (existsSync(path) && statSync(path).isDirectory())) return 'tf-checkpoint';
  return 'unknown';
}

export async function inspectAny(path: string, json: boolean, top = true): Promise<string> {
  if (isZooId(path)) return inspectModel(path, { json, top });
  const kind = detectKind(path);
  switch (kind) {
    case 'tf-checkpoint': {
      const l = await inspectCheckpoint(path);
      return json ? JSON.stringify(l, null, 2) : formatTensorListing(path, l);
    }
    case 'keras-h5':
    case 'keras-zip':
    case 'tfjs':
      return inspectModel(path, { json, top });
    case 'mxnet-params':
      return inspectMxnet(path, json);
    default:
      if (!existsSync(path)) throw new Error(`${path}: no such file, checkpoint or model id`);
      throw new Error(`${path}: cannot inspect files of kind ${kind} yet`);
  }
}

export function inspectCommand(): Command {
  return new Command('inspect')
    .description('list the layers of a model or the variables of a checkpoint/parameter file (TF checkpoint PREFIX or DIR, ...)')
    .argument('<path>', 'file, checkpoint prefix or directory')
    .option('--json', 'print JSON')
    .option('--no-top', 'for a zoo id: the model without its classifier top')
    .action(async (path: string, opts: { json?: boolean; top?: boolean }) => {
      console.log(await inspectAny(path, !!opts.json, opts.top !== false));
    });
}
