// Browser ESM build with esbuild: the page (web/main.ts -> web/dist/main.js, with index.html and
// style.css beside it) and the library itself (src/index.ts + src/browser.ts -> web/dist/lib/).
// h5wasm's ESM build embeds its wasm, so HDF5 reading and writing work in the bundle as they do
// in Node. Usage: node scripts/build-web.mjs [--dev]   (npm run build:web; --dev: no minify, source maps)
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const DIST = join(ROOT, 'web', 'dist');

/** Builds web/dist; returns the output directory. */
export async function buildWeb({ minify = true, quiet = false, sourcemap = false } = {}) {
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'gen-shaders.mjs')], { stdio: 'inherit' });
  rmSync(DIST, { recursive: true, force: true });
  mkdirSync(DIST, { recursive: true });
  const common = {
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    sourcemap,
    minify,
    logLevel: quiet ? 'warning' : 'info',
    legalComments: 'none',
  };
  // One build with code splitting: the page and the library share chunks, and h5wasm (5 MB with
  // its embedded wasm) is its own chunk, loaded on first use of an .h5 file.
  await esbuild.build({
    ...common,
    entryPoints: {
      main: join(ROOT, 'web', 'main.ts'),
      'lib/index': join(ROOT, 'src', 'index.ts'),
      'lib/browser': join(ROOT, 'src', 'browser.ts'),
    },
    outdir: DIST,
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
  });
  for (const f of ['index.html', 'style.css']) copyFileSync(join(ROOT, 'web', f), join(DIST, f));
  return DIST;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dev = process.argv.includes('--dev');
  await buildWeb({ minify: !dev, sourcemap: dev });
  console.log(`built ${DIST}`);
}
