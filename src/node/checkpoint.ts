// Node edge of training: resumable checkpoints (weights + optimizer state + epoch + history in
// one file), line writers for CSVLogger/JSON-lines logs, history files, and Ctrl-C handling.
import { appendFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { History, Trainer, TrainerState } from '../train/fit.ts';
import { historyCsv } from '../train/callbacks/loggers.ts';

const MAGIC = 'WGFTCKPT';

/**
 * Writes `state` as MAGIC, u32 header length, JSON header, then the float32 arrays it refers to
 * ({"$f32": [offset, length]} in the header). Written to a temporary file and renamed, so an
 * interruption never leaves half a checkpoint.
 */
export function saveState(path: string, state: TrainerState): void {
  const chunks: Float32Array[] = [];
  let offset = 0;
  const header = JSON.stringify(state, (_k, v) => {
    if (v instanceof Float32Array) {
      chunks.push(v);
      const ref = { $f32: [offset, v.length] };
      offset += v.length;
      return ref;
    }
    return v;
  });
  const head = Buffer.from(header, 'utf8');
  const pad = (4 - ((MAGIC.length + 4 + head.length) % 4)) % 4;
  const out = Buffer.alloc(MAGIC.length + 4 + head.length + pad + offset * 4);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(head.length + pad, MAGIC.length);
  head.copy(out, MAGIC.length + 4);
  out.fill(0x20, MAGIC.length + 4 + head.length, MAGIC.length + 4 + head.length + pad);
  let pos = MAGIC.length + 4 + head.length + pad;
  for (const c of chunks) {
    Buffer.from(c.buffer, c.byteOffset, c.byteLength).copy(out, pos);
    pos += c.byteLength;
  }
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path + '.tmp', out);
  renameSync(path + '.tmp', path);
}

export function loadState(path: string): TrainerState {
  const buf = readFileSync(path);
  if (buf.toString('latin1', 0, MAGIC.length) !== MAGIC) throw new Error(`${path}: not a wgft training checkpoint`);
  const len = buf.readUInt32LE(MAGIC.length);
  const base = MAGIC.length + 4 + len;
  if (base > buf.length) throw new Error(`${path}: truncated checkpoint header`);
  return JSON.parse(buf.toString('utf8', MAGIC.length + 4, base), (_k, v) => {
    if (v && typeof v === 'object' && Array.isArray(v.$f32)) {
      const [off, n] = v.$f32 as [number, number];
      if (base + (off + n) * 4 > buf.length) throw new Error(`${path}: truncated checkpoint data`);
      return new Float32Array(buf.buffer.slice(buf.byteOffset + base + off * 4, buf.byteOffset + base + (off + n) * 4));
    }
    return v;
  }) as TrainerState;
}

/** A LineWriter appending to a file (created fresh unless `append`). */
export function fileLines(path: string, append = false): (line: string) => void {
  mkdirSync(dirname(path), { recursive: true });
  if (!append) writeFileSync(path, '');
  return (line) => appendFileSync(path, line + '\n');
}

export function writeHistory(dir: string, h: History): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/history.json`, JSON.stringify(h, null, 2) + '\n');
  writeFileSync(`${dir}/history.csv`, historyCsv(h));
}

/**
 * First Ctrl-C: ask the trainer to stop at the next batch (the last epoch checkpoint stays the
 * resume point). Second Ctrl-C: exit at once. Returns a function removing the handler.
 */
export function stopOnSigint(trainer: Trainer, say: (msg: string) => void = (m) => console.error(m)): () => void {
  let hits = 0;
  const handler = () => {
    if (++hits > 1) process.exit(130);
    say('\ninterrupted: stopping after this batch (the last finished epoch is saved; run again with --resume)');
    trainer.stop();
  };
  process.on('SIGINT', handler);
  return () => process.off('SIGINT', handler);
}
