// Node edge for TensorFlow checkpoints: turns what a user types (a prefix, a `.index`, a data
// shard, a V1 file, a directory with a `checkpoint` state file, a SavedModel directory) into a
// ByteSource plus an `openSibling` for the shards, and reads it.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve, basename } from 'node:path';
import { fileSource } from './files.ts';
import type { ByteSource } from '../loaders/byte-source.ts';
import type { NamedTensors } from '../loaders/named-tensors.ts';
import { parseCheckpointState, readTfCheckpoint, listTfCheckpoint, type TfCheckpoint, type TfEntry } from '../loaders/tf-checkpoint/index.ts';

export interface ResolvedCheckpoint {
  /** The file to open: `prefix.index` (V2) or the V1 file. */
  file: string;
  kind: 'v1' | 'v2';
}

const isFile = (p: string) => existsSync(p) && statSync(p).isFile();
const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();

function resolvePrefix(p: string): ResolvedCheckpoint | undefined {
  if (/\.index$/.test(p) && isFile(p)) return { file: p, kind: 'v2' };
  const shard = /^(.*)\.data-\d{5}-of-\d{5}$/.exec(p);
  if (shard && isFile(`${shard[1]}.index`)) return { file: `${shard[1]}.index`, kind: 'v2' };
  if (isFile(`${p}.index`)) return { file: `${p}.index`, kind: 'v2' };
  if (isFile(p)) return { file: p, kind: 'v1' };
  // A sharded V1 prefix: model.ckpt -> model.ckpt-00000-of-0000N
  const dir = dirname(p);
  if (isDir(dir)) {
    const first = readdirSync(dir).find((f) => f.startsWith(`${basename(p)}-00000-of-`) && /-\d{5}-of-\d{5}$/.test(f));
    if (first) return { file: join(dir, first), kind: 'v1' };
  }
  return undefined;
}

/** Resolves a path to a checkpoint file; clear errors for missing paths and dangling state files. */
export function resolveTfCheckpoint(path: string): ResolvedCheckpoint {
  const direct = resolvePrefix(path);
  if (direct) return direct;
  if (isDir(path)) {
    const state = join(path, 'checkpoint');
    if (isFile(state)) {
      const { modelCheckpointPath } = parseCheckpointState(readFileSync(state, 'utf8'), state);
      const target = isAbsolute(modelCheckpointPath) ? modelCheckpointPath : resolve(path, modelCheckpointPath);
      const r = resolvePrefix(target);
      if (r) return r;
      // A state file written on another machine often holds an absolute path; try it beside the state file.
      const local = resolvePrefix(join(path, basename(modelCheckpointPath)));
      if (local && isAbsolute(modelCheckpointPath) && !existsSync(dirname(modelCheckpointPath))) {
        throw new Error(`${state}: model_checkpoint_path points to ${modelCheckpointPath}, which does not exist (a checkpoint of that name lies beside the state file: ${local.file}; pass it directly)`);
      }
      throw new Error(`${state}: model_checkpoint_path points to ${modelCheckpointPath}, which does not exist`);
    }
    for (const sub of ['variables/variables', 'variables']) {
      if (isFile(join(path, `${sub}.index`))) return { file: join(path, `${sub}.index`), kind: 'v2' };
    }
    const indexes = readdirSync(path).filter((f) => f.endsWith('.index'));
    if (indexes.length === 1) return { file: join(path, indexes[0]), kind: 'v2' };
    if (indexes.length > 1) throw new Error(`${path}: holds several checkpoints (${indexes.join(', ')}) and no 'checkpoint' state file; name one`);
    throw new Error(`${path}: no TensorFlow checkpoint found (no 'checkpoint' state file, no .index file)`);
  }
  throw new Error(`${path}: no such checkpoint (neither ${path} nor ${path}.index exists)`);
}

/** Opens a resolved checkpoint: its ByteSource, sibling opener and a close for every file opened. */
export function openTfCheckpoint(path: string): { source: ByteSource; openSibling: (name: string) => Promise<ByteSource>; close(): void; file: string } {
  const { file } = resolveTfCheckpoint(path);
  const opened = [fileSource(file)];
  return {
    file,
    source: opened[0],
    openSibling: async (name) => {
      const s = fileSource(join(dirname(file), name));
      opened.push(s);
      return s;
    },
    close: () => opened.forEach((s) => s.close()),
  };
}

export async function readTfCheckpointFile(path: string): Promise<TfCheckpoint> {
  const ck = openTfCheckpoint(path);
  try {
    return await readTfCheckpoint(ck.source, ck.openSibling);
  } finally {
    ck.close();
  }
}

export async function loadTfCheckpointFile(path: string): Promise<NamedTensors> {
  return (await readTfCheckpointFile(path)).tensors;
}

export async function listTfCheckpointFile(path: string): Promise<TfEntry[]> {
  const ck = openTfCheckpoint(path);
  try {
    return await listTfCheckpoint(ck.source, ck.openSibling);
  } finally {
    ck.close();
  }
}
