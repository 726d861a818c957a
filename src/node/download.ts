// Downloads into the Keras cache the way keras.utils.get_file does: $KERAS_HOME/models or
// ~/.keras/models, an existing file reused when its hash matches, md5 (32 hex) or sha256 (64 hex)
// verified. The body goes to a temporary name and is renamed only once complete and verified,
// so a cut connection never leaves a file that looks complete. Offline, the error says which
// file to place where.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import cliProgress from 'cli-progress';

/** Keras's cache root: $KERAS_HOME, else ~/.keras. */
export function kerasHome(): string {
  return process.env.KERAS_HOME || join(homedir(), '.keras');
}

export type Progress = 'bar' | 'none' | ((received: number, total: number | null) => void);

export interface GetFileOptions {
  /** md5 or sha256 hex; null/undefined: no check. */
  hash?: string | null;
  /** Folder for the file (default `<kerasHome>/models`). */
  cacheDir?: string;
  progress?: Progress;
  /** Never touch the network: only a cached file will do. */
  offline?: boolean;
}

function hashAlgorithm(hash: string): 'md5' | 'sha256' {
  if (/^[0-9a-f]{32}$/i.test(hash)) return 'md5';
  if (/^[0-9a-f]{64}$/i.test(hash)) return 'sha256';
  throw new Error(`'${hash}' is neither an md5 (32 hex digits) nor a sha256 (64 hex digits) hash`);
}

export async function fileHash(path: string, algorithm: 'md5' | 'sha256'): Promise<string> {
  const h = createHash(algorithm);
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

const mb = (n: number) => `${(n / 1048576).toFixed(1)} MB`;

function progressReporter(p: Progress | undefined, label: string): { update(r: number, t: number | null): void; stop(): void } {
  if (typeof p === 'function') return { update: p, stop() {} };
  if (p !== 'bar') return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {percentage}% {got}/{all}`, stream: process.stderr, noTTYOutput: false, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(r, t) {
      if (!started) {
        bar.start(t ?? 0, 0, { got: mb(0), all: t ? mb(t) : '?' });
        started = true;
      }
      if (t === null) bar.setTotal(Math.max(r, 1));
      bar.update(r, { got: mb(r), all: t ? mb(t) : '?' });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

/** Downloads `url` to `dest` (temp file, verify, rename). Returns dest. */
export async function download(url: string, dest: string, opts: { hash?: string | null; progress?: Progress } = {}): Promise<string> {
  mkdirSync(dirname(dest), { recursive: true });
  const tmp = `${dest}.part-${process.pid}-${Date.now().toString(36)}`;
  const algorithm = opts.hash ? hashAlgorithm(opts.hash) : 'sha256';
  const hasher = createHash(algorithm);
  const reporter = progressReporter(opts.progress, dest.split(/[\\/]/).pop() ?? dest);
  let received = 0;
  let total: number | null = null;
  try {
    let res: Response;
    try {
      res = await fetch(url, { redirect: 'follow' });
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new Error(`cannot reach ${url} (${cause?.code ?? cause?.message ?? (e as Error).message})`);
    }
    if (!res.ok || !res.body) throw new Error(`${url} answered HTTP ${res.status} ${res.statusText}`);
    const len = res.headers.get('content-length');
    total = len !== null && /^\d+$/.test(len) ? Number(len) : null;
    const out = createWriteStream(tmp);
    const sink = Writable.toWeb(out);
    const writer = sink.getWriter();
    reporter.update(0, total);
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        hasher.update(chunk);
        received += chunk.byteLength;
        await writer.write(chunk);
        reporter.update(received, total);
      }
    } catch (e) {
      await writer.abort().catch(() => {});
      throw new Error(`the download of ${url} was cut after ${received}${total !== null ? ` of ${total}` : ''} bytes (${(e as Error).message})`);
    }
    await writer.close();
    if (total !== null && received !== total) throw new Error(`the download of ${url} ended after ${received} of ${total} bytes`);
    const got = hasher.digest('hex');
    if (opts.hash && got.toLowerCase() !== opts.hash.toLowerCase()) {
      throw new Error(`the file downloaded from ${url} has ${algorithm} ${got}, expected ${opts.hash}: it is corrupt or not the expected file (nothing was kept)`);
    }
    renameSync(tmp, dest);
    return dest;
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  } finally {
    reporter.stop();
  }
}

/**
 * keras.utils.get_file: the cached file if present (and its hash matches), else a download.
 * Returns the file's path.
 */
export async function getFile(fileName: string, url: string, opts: GetFileOptions = {}): Promise<string> {
  const dir = opts.cacheDir ?? join(kerasHome(), 'models');
  const dest = join(dir, fileName);
  const hashNote = opts.hash ? ` (${hashAlgorithm(opts.hash)} ${opts.hash})` : '';
  if (existsSync(dest) && statSync(dest).isFile()) {
    if (!opts.hash) return dest;
    const got = await fileHash(dest, hashAlgorithm(opts.hash));
    if (got.toLowerCase() === opts.hash.toLowerCase()) return dest;
    if (opts.offline) throw new Error(`${dest} has ${hashAlgorithm(opts.hash)} ${got}, expected ${opts.hash}; replace it with the file from ${url}`);
    process.stderr.write(`${dest} does not match its hash (got ${got}, expected ${opts.hash}); downloading it again\n`);
  }
  const placeHint = `Download ${url} yourself and place it at ${dest}${hashNote}, or set KERAS_HOME to a folder whose models/ holds ${fileName}.`;
  if (opts.offline) throw new Error(`${fileName} is not in the Keras cache and downloads are off. ${placeHint}`);
  try {
    return await download(url, dest, { hash: opts.hash, progress: opts.progress ?? 'bar' });
  } catch (e) {
    const msg = (e as Error).message;
    if (/cannot reach|HTTP|cut|ended after/.test(msg)) throw new Error(`${msg}. ${placeHint}`);
    throw e;
  }
}
