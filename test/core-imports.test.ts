// The core (src/gpu, src/kernels, src/graph, src/loaders, src/train, src/zoo, src/browser.ts,
// src/index.ts) must run in a browser: it imports no Node built-in and uses no Node-only global.
// 1. Walks the import graph of our own files from the entry points (static imports, re-exports,
//    dynamic import() of string literals) and names the file and the chain for each violation.
// 2. Bundles the same entry points with esbuild for the browser platform, which also follows the
//    npm packages the core uses (h5wasm, fflate, protobufjs, snappyjs), and names any built-in
//    that one of them would pull in, with its chain.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const CORE_DIRS = ['src/gpu', 'src/kernels', 'src/graph', 'src/loaders', 'src/train', 'src/zoo'];
const ENTRIES = ['src/index.ts', 'src/browser.ts'];
const BUILTINS = new Set(builtinModules.flatMap((m) => [m, m.split('/')[0]]));

/** Node built-in named by a specifier ('fs', 'node:fs', 'fs/promises', 'node:test'), or null. */
export function builtinOf(spec: string): string | null {
  if (spec.startsWith('node:')) return spec;
  return BUILTINS.has(spec) || BUILTINS.has(spec.split('/')[0]) ? spec : null;
}

/** Source without comments and with string contents kept (import specifiers live in strings). */
function stripComments(src: string): string {
  let out = '';
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    const n = src[i + 1];
    if (c === '/' && n === '/') {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (c === '/' && n === '*') {
      const end = src.indexOf('*/', i + 2);
      const block = src.slice(i, end < 0 ? src.length : end + 2);
      out += block.replace(/[^\n]/g, ' ');
      i = end < 0 ? src.length : end + 2;
    } else if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      while (j < src.length && src[j] !== c) j += src[j] === '\\' ? 2 : 1;
      out += src.slice(i, j + 1);
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Imported specifiers of a TS/JS file, with the line each one is on (type-only imports skipped). */
export function importsOf(code: string): { spec: string; line: number; typeOnly: boolean }[] {
  const src = stripComments(code);
  const out: { spec: string; line: number; typeOnly: boolean }[] = [];
  const lineAt = (i: number) => src.slice(0, i).split('\n').length;
  const stat = /(?:^|[;\n}])\s*(import|export)\s+(type\s+)?([^'"`;]*?)\s*from\s*['"]([^'"]+)['"]/g;
  for (const m of src.matchAll(stat)) out.push({ spec: m[4], line: lineAt(m.index! + m[0].indexOf(m[1])), typeOnly: !!m[2] });
  const bare = /(?:^|[;\n}])\s*import\s*['"]([^'"]+)['"]/g;
  for (const m of src.matchAll(bare)) out.push({ spec: m[1], line: lineAt(m.index! + m[0].indexOf('import')), typeOnly: false });
  const dyn = /(?<![\w.$])(import|require)\s*\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const m of src.matchAll(dyn)) out.push({ spec: m[2], line: lineAt(m.index!), typeOnly: false });
  return out;
}

/** Node-only globals in code (comments dropped): Buffer, __dirname, __filename, require(). */
export function nodeGlobalsOf(code: string): { what: string; line: number }[] {
  const src = stripComments(code).replace(/(['"`])(?:\\.|(?!\1)[^\\])*\1/g, (s) => s.replace(/[^\n]/g, ' '));
  const out: { what: string; line: number }[] = [];
  const re = /(?<![\w.$'"])(Buffer(?=\s*[.(])|__dirname|__filename|require(?=\s*\())/g;
  for (const m of src.matchAll(re)) out.push({ what: m[1], line: src.slice(0, m.index).split('\n').length });
  return out;
}

function resolveLocal(from: string, spec: string): string | null {
  const base = resolve(dirname(from), spec);
  for (const p of [base, `${base}.ts`, `${base}.js`, join(base, 'index.ts')]) {
    if (existsSync(p) && statSync(p).isFile()) return p;
  }
  return null;
}

interface Violation {
  file: string;
  line: number;
  what: string;
  chain: string[];
}

/** Walks local imports breadth-first from the entries; records built-ins and Node globals with their chains. */
export function walkCore(entries: string[]): { files: string[]; packages: Set<string>; violations: Violation[]; unresolved: string[] } {
  const parent = new Map<string, string | null>();
  const queue: string[] = [];
  for (const e of entries) {
    const abs = resolve(ROOT, e);
    parent.set(abs, null);
    queue.push(abs);
  }
  const chainOf = (f: string) => {
    const c: string[] = [];
    for (let cur: string | null = f; cur; cur = parent.get(cur) ?? null) c.unshift(relative(ROOT, cur));
    return c;
  };
  const violations: Violation[] = [];
  const packages = new Set<string>();
  const unresolved: string[] = [];
  while (queue.length) {
    const file = queue.shift()!;
    const code = readFileSync(file, 'utf8');
    for (const g of nodeGlobalsOf(code)) violations.push({ file: relative(ROOT, file), line: g.line, what: `Node global ${g.what}`, chain: chainOf(file) });
    for (const imp of importsOf(code)) {
      if (imp.spec.startsWith('.')) {
        const target = resolveLocal(file, imp.spec);
        if (!target) {
          unresolved.push(`${relative(ROOT, file)}:${imp.line} '${imp.spec}'`);
          continue;
        }
        if (!parent.has(target)) {
          parent.set(target, file);
          queue.push(target);
        }
      } else if (builtinOf(imp.spec)) {
        if (imp.typeOnly) continue; // erased at build time
        violations.push({ file: relative(ROOT, file), line: imp.line, what: `Node built-in '${imp.spec}'`, chain: chainOf(file) });
      } else {
        packages.add(imp.spec);
      }
    }
  }
  return { files: [...parent.keys()].map((f) => relative(ROOT, f)), packages, violations, unresolved };
}

const report = (vs: Violation[]) =>
  vs.map((v) => `${v.file}:${v.line} uses ${v.what}\n    import chain: ${v.chain.join(' -> ')}`).join('\n');

function listTs(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listTs(p));
    else if (/\.ts$/.test(name) && !/\.d\.ts$/.test(name)) out.push(p);
  }
  return out;
}

describe('the core imports nothing from Node', () => {
  it('finds built-ins and Node globals (the checker itself)', () => {
    const code = [
      "import { readFileSync } from 'node:fs';",
      "import * as path from 'path'; // import x from 'os'",
      "export { gzip } from 'zlib';",
      "import type { Stats } from 'fs';",
      "/* import 'crypto' */ const z = await import('node:zlib');",
      "import './side-effect.ts';",
      "const s = 'Buffer.from(x)'; const b = Buffer.from([1]); const d = __dirname;",
      "import { x } from './local.ts'; const m = require('os');",
    ].join('\n');
    const specs = importsOf(code);
    expect(specs.map((s) => s.spec).sort()).toEqual(['./local.ts', './side-effect.ts', 'fs', 'node:fs', 'node:zlib', 'os', 'path', 'zlib'].sort());
    expect(specs.find((s) => s.spec === 'fs')!.typeOnly).toBe(true);
    expect(specs.filter((s) => builtinOf(s.spec)).map((s) => s.line).sort()).toEqual([1, 2, 3, 4, 5, 8]);
    expect(nodeGlobalsOf(code).map((g) => g.what)).toEqual(['Buffer', '__dirname', 'require']);
    expect(builtinOf('h5wasm')).toBeNull();
    expect(builtinOf('fs/promises')).toBe('fs/promises');
  });

  it('walks src/index.ts and src/browser.ts: no Node built-in, no Node global, every core file reached', () => {
    const { files, violations, unresolved } = walkCore(ENTRIES);
    expect(unresolved, `imports that do not resolve:\n${unresolved.join('\n')}`).toEqual([]);
    expect(violations, `the browser core must not use Node:\n${report(violations)}`).toEqual([]);
    for (const f of files) {
      const inCore = CORE_DIRS.some((d) => f.startsWith(`${d}/`)) || ENTRIES.includes(f);
      expect(inCore, `${f} is imported by the core but lives outside it`).toBe(true);
    }
  });

  it('every file in the core folders is free of Node built-ins (also the ones index.ts does not export yet)', () => {
    const all = CORE_DIRS.flatMap((d) => listTs(resolve(ROOT, d))).map((f) => relative(ROOT, f));
    const { violations } = walkCore(all);
    expect(violations, `the browser core must not use Node:\n${report(violations)}`).toEqual([]);
  });

  it('bundles for the browser with esbuild, packages included, without any Node built-in', async () => {
    const esbuild = await import('esbuild');
    const hits: { spec: string; importer: string }[] = [];
    const result = await esbuild.build({
      entryPoints: ENTRIES.map((e) => resolve(ROOT, e)),
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      splitting: true,
      outdir: resolve(ROOT, 'out/core-imports-check'),
      metafile: true,
      logLevel: 'silent',
      plugins: [
        {
          name: 'node-builtins',
          setup(b) {
            // A package may map a built-in away for browsers ("browser": { "fs": false }, as
            // protobufjs does): only built-ins that still do not resolve for the browser count.
            b.onResolve({ filter: /.*/ }, async (args) => {
              if (args.pluginData?.inner || args.kind === 'entry-point' || args.path.startsWith('.') || args.path.startsWith('/')) return undefined;
              if (!builtinOf(args.path)) return undefined;
              const r = await b.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: { inner: true } });
              if (!r.errors.length && !r.external) return undefined;
              hits.push({ spec: args.path, importer: relative(ROOT, args.importer) });
              return { path: args.path, external: true };
            });
          },
        },
      ],
    });
    // Chains through the bundle's import graph, from an entry to the importer.
    const inputs = result.metafile.inputs;
    const parent = new Map<string, string | null>();
    const queue = ENTRIES.slice();
    for (const e of queue) parent.set(e, null);
    while (queue.length) {
      const f = queue.shift()!;
      for (const i of inputs[f]?.imports ?? []) {
        if (!i.external && !parent.has(i.path)) {
          parent.set(i.path, f);
          queue.push(i.path);
        }
      }
    }
    const chain = (f: string) => {
      const c: string[] = [];
      for (let cur: string | null = f; cur; cur = parent.get(cur) ?? null) c.unshift(cur);
      return c.join(' -> ');
    };
    const msg = hits.map((h) => `${h.importer} imports Node built-in '${h.spec}'\n    import chain: ${chain(h.importer)}`).join('\n');
    expect(hits, `the browser bundle pulls in Node built-ins:\n${msg}`).toEqual([]);
  }, 120_000);
});
