// Shared by the recipe tests: skip conditions and a temporary output folder per test.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { haveFashion } from '../../examples/common.ts';

export const FASHION = haveFashion();
export const fixture = (p: string): boolean => existsSync(p);
export const tempOut = (name: string): string => mkdtempSync(join(tmpdir(), `wgft-${name}-`));
export const quiet = (lines: string[]) => (s: string) => void lines.push(s);
