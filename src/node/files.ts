// Node edge: a ByteSource over a file on disk (read on demand, never copied whole).
import { openSync, readSync, fstatSync, closeSync } from 'node:fs';
import type { ByteSource } from '../loaders/byte-source.ts';
import { checkRange } from '../loaders/byte-source.ts';

export function fileSource(path: string): ByteSource & { close(): void } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new Error(`${path}: cannot open (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const size = fstatSync(fd).size;
  return {
    name: path,
    size,
    async read(offset, length) {
      checkRange(path, size, offset, length);
      const buf = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const n = readSync(fd, buf, done, length - done, offset + done);
        if (n === 0) throw new Error(`${path}: unexpected end of file at ${offset + done}`);
        done += n;
      }
      return buf;
    },
    close() {
      closeSync(fd);
    },
  };
}
