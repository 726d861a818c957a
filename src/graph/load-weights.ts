// Loads named host tensors into a model's variables. Names are Keras weight names
// ("block1_conv1/kernel:0"); loaders translate their own naming first (TF-slim, Gluon, Keras 1),
// and may pass `rename` for user rules. Every problem is collected and reported at once.
import type { Model } from './model.ts';
import type { NamedTensors, HostTensor } from '../loaders/named-tensors.ts';
import type { Variable } from './tensor.ts';

export interface LoadOptions {
  /** Match by name (default) or by order of the model's weights. */
  by?: 'name' | 'order';
  /** Skip tensors whose shape differs instead of failing (Keras's skip_mismatch). */
  skipMismatch?: boolean;
  /** Allow model weights with no tensor in the file (e.g. a new head). */
  allowMissing?: boolean;
  /** Maps a file name to a model weight name (or null to ignore it). */
  rename?: (name: string) => string | null;
}

export interface LoadReport {
  loaded: string[];
  /** Model weights with no tensor. */
  missing: string[];
  /** File tensors that matched no weight. */
  unused: string[];
  /** Name matched but the shape did not: "name: file [..] vs model [..]". */
  mismatched: string[];
}

/** Keras weight name without the ":0" suffix, which files write inconsistently. */
export const baseName = (n: string): string => n.replace(/:\d+$/, '');

export function loadWeights(model: Model, tensors: NamedTensors, opts: LoadOptions = {}, source = 'weights'): LoadReport {
  const vars = model.weights;
  const report: LoadReport = { loaded: [], missing: [], unused: [], mismatched: [] };
  const assign: [Variable, HostTensor][] = [];
  if (opts.by === 'order') {
    const list = [...tensors.values()];
    vars.forEach((v, i) => {
      const t = list[i];
      if (!t) report.missing.push(v.name);
      else if (t.data.length !== v.size) report.mismatched.push(`${v.name}: file ${t.name} [${t.shape}] vs model [${v.shape}]`);
      else assign.push([v, t]);
    });
    list.slice(vars.length).forEach((t) => report.unused.push(t.name));
  } else {
    const byName = new Map<string, HostTensor>();
    for (const [name, t] of tensors) {
      const mapped = opts.rename ? opts.rename(name) : name;
      if (mapped === null) continue;
      byName.set(baseName(mapped), t);
    }
    const used = new Set<string>();
    for (const v of vars) {
      const key = baseName(v.name);
      const t = byName.get(key);
      if (!t) {
        report.missing.push(v.name);
        continue;
      }
      used.add(key);
      if (t.data.length !== v.size || (t.shape.length === v.shape.length && t.shape.some((d, i) => d !== v.shape[i]))) {
        report.mismatched.push(`${v.name}: file [${t.shape}] vs model [${v.shape}]`);
      } else assign.push([v, t]);
    }
    for (const k of byName.keys()) if (!used.has(k)) report.unused.push(byName.get(k)!.name);
  }
  const problems: string[] = [];
  if (report.mismatched.length && !opts.skipMismatch) problems.push(`shapes differ: ${report.mismatched.join('; ')}`);
  if (report.missing.length && !opts.allowMissing) problems.push(`missing from the file: ${report.missing.join(', ')}`);
  if (problems.length) {
    throw new Error(`${source}: cannot load into model ${model.name}: ${problems.join('. ')}` + (report.unused.length ? `. Unused in the file: ${report.unused.join(', ')}` : ''));
  }
  for (const [v, t] of assign) {
    v.assign(t.data);
    report.loaded.push(v.name);
  }
  return report;
}
