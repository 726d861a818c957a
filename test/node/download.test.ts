// The Keras-cache download path against a local HTTP server on 127.0.0.1 (no internet): progress,
// hash checked (md5 and sha256), a wrong hash rejected, a cut connection leaving no
// complete-looking file, cache reuse, and the offline message naming the file and its place.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { getFile, kerasHome, download } from '../../src/node/download.ts';
import { imagenetWeightsPath } from '../../src/node/keras-weights.ts';

const body = randomBytes(300_000);
const md5 = createHash('md5').update(body).digest('hex');
const sha256 = createHash('sha256').update(body).digest('hex');
let server: Server;
let base = '';
let requests = 0;
let dir = '';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wgft-dl-'));
  server = createServer((req, res) => {
    requests++;
    if (req.url === '/file.h5') {
      res.writeHead(200, { 'content-length': body.length });
      // In pieces, so that progress reports more than once.
      let off = 0;
      const more = () => {
        if (off >= body.length) return res.end();
        res.write(body.subarray(off, off + 65536), more);
        off += 65536;
      };
      more();
    } else if (req.url === '/cut.h5') {
      res.writeHead(200, { 'content-length': body.length });
      res.write(body.subarray(0, 100_000), () => setTimeout(() => res.socket?.destroy(), 20));
    } else if (req.url === '/moved.h5') {
      res.writeHead(302, { location: '/file.h5' });
      res.end();
    } else {
      res.writeHead(404);
      res.end('not here');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server?.close();
  rmSync(dir, { recursive: true, force: true });
});

const leftovers = (d: string) => (existsSync(d) ? readdirSync(d) : []);

describe('getFile (keras.utils.get_file)', () => {
  it('downloads with progress and a verified md5, then reuses the cache', async () => {
    const cache = join(dir, 'a', 'models');
    const events: [number, number | null][] = [];
    const p = await getFile('file.h5', `${base}/file.h5`, { hash: md5, cacheDir: cache, progress: (r, t) => events.push([r, t]) });
    expect(p).toBe(join(cache, 'file.h5'));
    expect(Buffer.compare(readFileSync(p), body)).toBe(0);
    expect(events.length).toBeGreaterThan(2);
    expect(events.at(-1)).toEqual([body.length, body.length]);
    expect(events.every(([, t]) => t === body.length)).toBe(true);
    expect(leftovers(cache)).toEqual(['file.h5']);
    const before = requests;
    expect(await getFile('file.h5', `${base}/file.h5`, { hash: md5, cacheDir: cache, offline: true })).toBe(p);
    expect(requests).toBe(before);
  });

  it('checks sha256 too, follows redirects, and draws a progress bar without failing', async () => {
    const cache = join(dir, 'b');
    const p = await getFile('moved.h5', `${base}/moved.h5`, { hash: sha256, cacheDir: cache, progress: 'bar' });
    expect(Buffer.compare(readFileSync(p), body)).toBe(0);
  });

  it('rejects a wrong hash and keeps nothing', async () => {
    const cache = join(dir, 'c');
    const wrong = 'ffffffffffffffffffffffffffffffff';
    await expect(getFile('file.h5', `${base}/file.h5`, { hash: wrong, cacheDir: cache, progress: 'none' })).rejects.toThrow(
      new RegExp(`md5 ${md5}, expected ${wrong}`),
    );
    expect(leftovers(cache)).toEqual([]);
  });

  it('a cut connection leaves no complete-looking file', async () => {
    const cache = join(dir, 'd');
    await expect(getFile('cut.h5', `${base}/cut.h5`, { hash: md5, cacheDir: cache, progress: 'none' })).rejects.toThrow(/cut after|ended after/);
    expect(leftovers(cache)).toEqual([]);
    // Without a hash as well: the length check catches it.
    await expect(download(`${base}/cut.h5`, join(cache, 'x.h5'))).rejects.toThrow(/cut after|ended after/);
    expect(leftovers(cache)).toEqual([]);
  });

  it('replaces a cached file whose hash is wrong', async () => {
    const cache = join(dir, 'e');
    await getFile('file.h5', `${base}/file.h5`, { cacheDir: cache, progress: 'none' });
    writeFileSync(join(cache, 'file.h5'), 'truncated');
    const p = await getFile('file.h5', `${base}/file.h5`, { hash: md5, cacheDir: cache, progress: 'none' });
    expect(Buffer.compare(readFileSync(p), body)).toBe(0);
  });

  it('offline or unreachable: says which file to place where', async () => {
    const cache = join(dir, 'f');
    await expect(getFile('file.h5', `${base}/file.h5`, { hash: md5, cacheDir: cache, offline: true })).rejects.toThrow(
      new RegExp(`file\\.h5 is not in the Keras cache.*place it at ${join(cache, 'file.h5').replace(/[.\\/]/g, '\\$&')}`),
    );
    await expect(getFile('nope.h5', `${base}/nope.h5`, { cacheDir: cache, progress: 'none' })).rejects.toThrow(/HTTP 404.*place it at/);
    await expect(getFile('x.h5', 'http://127.0.0.1:1/x.h5', { cacheDir: cache, progress: 'none' })).rejects.toThrow(/cannot reach.*place it at/);
    expect(leftovers(cache)).toEqual([]);
  });

  it('the Keras cache root follows KERAS_HOME; zoo ids map to keras.applications file names', async () => {
    const old = process.env.KERAS_HOME;
    process.env.KERAS_HOME = join(dir, 'kh');
    try {
      expect(kerasHome()).toBe(join(dir, 'kh'));
      await expect(imagenetWeightsPath('vgg16', { includeTop: false, offline: true })).rejects.toThrow(
        /vgg16_weights_tf_dim_ordering_tf_kernels_notop\.h5 is not in the Keras cache.*kh\/models\/vgg16_weights_tf_dim_ordering_tf_kernels_notop\.h5 \(md5 6d6bbae143d832006294945121d1f1fc\)/,
      );
    } finally {
      if (old === undefined) delete process.env.KERAS_HOME;
      else process.env.KERAS_HOME = old;
    }
  });
});
