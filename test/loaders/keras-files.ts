// Fixture listing for the Keras/tfjs loader tests (../shared/fixtures; tests skip when absent).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';

export const FIX = '../shared/fixtures';
export const hasFixtures = existsSync(join(FIX, 'keras'));

export function listFiles(dir: string, re: RegExp): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const n of readdirSync(dir).sort()) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) out.push(...listFiles(p, re));
    else if (re.test(n)) out.push(p);
  }
  return out;
}

/** A python3 that imports h5py and numpy (Debian's python3-h5py), or null. */
export const pythonH5 = ((): string | null => {
  for (const py of ['python3', '/usr/bin/python3']) {
    try {
      execFileSync(py, ['-c', 'import h5py, numpy'], { stdio: 'ignore' });
      return py;
    } catch {
      /* next */
    }
  }
  return null;
})();

export function py(code: string, ...args: string[]): string {
  return execFileSync(pythonH5!, ['-c', code, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
}
