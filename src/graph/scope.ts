// tidy(fn): every tensor made inside fn is disposed when fn returns, except what fn returns
// (a tensor, or an array/object of tensors) and what it passed to keep(). Scopes nest.
import type { Tensor } from './tensor.ts';

const scopes: Set<Tensor>[] = [];

/** Called by Tensor factories: registers the tensor with the innermost scope. */
export function track<T extends Tensor>(t: T): T {
  scopes[scopes.length - 1]?.add(t);
  return t;
}

/** Removes a tensor from every open scope so that it survives them. */
export function keep<T extends Tensor>(t: T): T {
  for (const s of scopes) s.delete(t);
  return t;
}

export const untrack = keep;

function collect(value: unknown, out: Set<Tensor>): void {
  if (!value || typeof value !== 'object') return;
  if ('shape' in value && 'dispose' in value && 'buffer' in (value as object)) {
    out.add(value as Tensor);
  } else if (Array.isArray(value)) {
    for (const v of value) collect(v, out);
  } else if (Object.getPrototypeOf(value) === Object.prototype || value instanceof Map) {
    for (const v of value instanceof Map ? value.values() : Object.values(value)) collect(v, out);
  }
}

export function tidy<T>(fn: () => T): T {
  const scope = new Set<Tensor>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    scopes.pop();
    for (const t of scope) t.dispose();
    throw e;
  }
  scopes.pop();
  const kept = new Set<Tensor>();
  collect(result, kept);
  for (const t of scope) {
    if (kept.has(t)) scopes[scopes.length - 1]?.add(t);
    else t.dispose();
  }
  return result;
}

/** Async variant: the scope stays open across awaits (do not interleave two of them). */
export async function tidyAsync<T>(fn: () => Promise<T>): Promise<T> {
  const scope = new Set<Tensor>();
  scopes.push(scope);
  let result: T;
  try {
    result = await fn();
  } finally {
    const i = scopes.lastIndexOf(scope);
    if (i >= 0) scopes.splice(i, 1);
  }
  const kept = new Set<Tensor>();
  collect(result, kept);
  for (const t of scope) {
    if (kept.has(t)) scopes[scopes.length - 1]?.add(t);
    else t.dispose();
  }
  return result;
}
