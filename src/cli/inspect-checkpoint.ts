// `wgft inspect` for TensorFlow checkpoints (V2 prefix/.index/shard/directory, V1 files): every
// variable's name, dtype, shape and size. JSON as CONTRACTS: { tensors: [...], total_values }.
import { listTfCheckpointFile, resolveTfCheckpoint } from '../node/tf-checkpoint-files.ts';

export interface TensorListing {
  tensors: { name: string; dtype: string; shape: number[]; size: number }[];
  total_values: number;
}

export async function inspectCheckpoint(path: string): Promise<TensorListing> {
  const entries = await listTfCheckpointFile(path);
  const tensors = entries.map((e) => ({ name: e.name, dtype: e.dtype, shape: e.shape, size: e.size }));
  return { tensors, total_values: tensors.reduce((s, t) => s + t.size, 0) };
}

/** Plain-text table of a tensor listing (shared by the parameter-file inspectors). */
export function formatTensorListing(what: string, l: TensorListing): string {
  const w = Math.max(4, ...l.tensors.map((t) => t.name.length));
  const lines = [`${what}: ${l.tensors.length} variables, ${l.total_values} values`, `${'name'.padEnd(w)}  ${'dtype'.padEnd(8)}  ${'shape'.padEnd(20)}  size`];
  for (const t of l.tensors) lines.push(`${t.name.padEnd(w)}  ${t.dtype.padEnd(8)}  ${`[${t.shape.join(',')}]`.padEnd(20)}  ${t.size}`);
  return lines.join('\n');
}

/** True when `path` names a TensorFlow checkpoint (without reading it whole). */
export function isTfCheckpointPath(path: string): boolean {
  try {
    resolveTfCheckpoint(path);
    return true;
  } catch {
    return false;
  }
}
