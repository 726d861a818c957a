// V1 checkpoints (TF-slim's 2016 `vgg_16.ckpt`, `inception_v3.ckpt`; tensorflow/core/util/
// tensor_slice_writer): an SSTable whose "" key holds a SavedTensorSlices with the meta (every
// tensor's name, shape, dtype and slices) and whose other keys, OrderedCode(name, slice), each hold
// a SavedSlice with the values as a TensorProto. A checkpoint may be sharded
// (`model.ckpt-00000-of-00002`); the meta of each shard lists the tensors stored in it.
import type { ByteSource } from '../byte-source.ts';
import { hostTensor } from '../named-tensors.ts';
import { readTable, type TableEntry } from './leveldb-table.ts';
import { SavedTensorSlices, decode, dtypeName, type ShapeProto, type SliceProto, type TensorProtoObj } from './protos.ts';
import { decodeTensorProto, elementCount, isNumeric, placeSlice, sliceExtents } from './dtypes.ts';
import { decodeTensorNameSlice } from './ordered-code.ts';
import { shapeOf, type OpenSibling, type ReadOptions, type TfCheckpointContents, type TfEntry } from './bundle-v2.ts';

interface SavedSlices {
  meta?: { tensor: { name: string; shape: ShapeProto; type: number; slice: SliceProto[] }[] };
  data?: { name: string; slice?: SliceProto; data?: TensorProtoObj };
}

const SHARDED = /^(.*)-(\d{5})-of-(\d{5})$/;
const baseName = (p: string) => p.split(/[\\/]/).pop() ?? p;

/** True when the table's "" entry is a V1 SavedTensorSlices (field 1 is a message, tag 0x0a). */
export function isV1Table(table: TableEntry[]): boolean {
  const head = table.find((e) => e.key.length === 0);
  return !!head && head.value.length > 0 && head.value[0] === 0x0a;
}

/** Reads a V1 checkpoint; if its name is `X-NNNNN-of-MMMMM`, the other shards come from `openSibling`. */
export async function readV1(src: ByteSource, openSibling?: OpenSibling, opts: ReadOptions = {}, first?: TableEntry[]): Promise<TfCheckpointContents> {
  const tables: [string, TableEntry[]][] = [[src.name, first ?? (await readTable(src))]];
  const m = SHARDED.exec(baseName(src.name));
  if (m && openSibling) {
    const n = Number(m[3]);
    for (let i = 0; i < n; i++) {
      if (i === Number(m[2])) continue;
      const file = `${m[1]}-${String(i).padStart(5, '0')}-of-${m[3]}`;
      const s = await openSibling(file).catch((e) => {
        throw new Error(`${src.name}: checkpoint shard ${file} is missing or unreadable: ${(e as Error).message}`);
      });
      tables.push([s.name, await readTable(s)]);
    }
  }
  const metas = new Map<string, { shape: number[]; type: number; size: number }>();
  const out: TfCheckpointContents = { format: 'v1', entries: [], tensors: new Map(), skipped: [], strings: new Map() };
  for (const [file, table] of tables) {
    const head = table.find((e) => e.key.length === 0);
    if (!head || head.value[0] !== 0x0a) throw new Error(`${file}: no V1 checkpoint meta (empty key); not a TensorFlow V1 checkpoint`);
    const meta = decode<SavedSlices>(SavedTensorSlices, head.value, `${file}: meta`).meta;
    for (const t of meta?.tensor ?? []) {
      const what = `${file}: tensor ${t.name}`;
      const shape = shapeOf(t.shape, what);
      const size = elementCount(shape, what);
      if (!metas.has(t.name)) {
        metas.set(t.name, { shape, type: t.type, size });
        out.entries.push({ name: t.name, dtype: dtypeName(t.type), shape, size });
      }
    }
  }
  out.entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  // Every stored value takes at least one byte, so a tensor larger than the files is corrupt.
  const fileBytes = tables.reduce((a, [, t]) => a + t.reduce((b, e) => b + e.key.length + e.value.length, 0), 0);
  const filled = new Map<string, { data: Float32Array; got: number }>();
  for (const [file, table] of tables) {
    for (const e of table) {
      if (!e.key.length) continue;
      const keyInfo = decodeTensorNameSlice(e.key, `${file}: key`);
      const what = `${file}: tensor ${keyInfo.name}`;
      const meta = metas.get(keyInfo.name);
      if (!meta) throw new Error(`${what}: stored but not listed in the checkpoint's meta`);
      if (opts.only && !opts.only(keyInfo.name)) continue;
      if (!isNumeric(meta.type)) continue;
      const saved = decode<SavedSlices>(SavedTensorSlices, e.value, what).data;
      if (!saved || saved.name !== keyInfo.name) throw new Error(`${what}: slice record names '${saved?.name}', its key '${keyInfo.name}'`);
      const ext = sliceExtents(saved.slice, meta.shape, what);
      const count = ext.reduce((a, x) => a * x.length, 1);
      if (!saved.data) throw new Error(`${what}: slice record has no data`);
      const vals = decodeTensorProto(saved.data, meta.type, count, what);
      let f = filled.get(keyInfo.name);
      if (!f) {
        if (meta.size > fileBytes) throw new Error(`${what}: shape [${meta.shape}] declares ${meta.size} values, more than the checkpoint's ${fileBytes} bytes can hold`);
        filled.set(keyInfo.name, (f = { data: new Float32Array(meta.size), got: 0 }));
      }
      placeSlice(f.data, meta.shape, ext, vals);
      f.got += count;
    }
  }
  for (const t of out.entries) {
    const meta = metas.get(t.name)!;
    if (opts.only && !opts.only(t.name)) continue;
    if (!isNumeric(meta.type)) {
      out.skipped.push({ name: t.name, dtype: t.dtype, reason: `dtype ${t.dtype} has no float32 form` });
      continue;
    }
    const f = filled.get(t.name);
    if (!f || f.got !== meta.size) {
      throw new Error(`${src.name}: tensor ${t.name} has ${f?.got ?? 0} of its ${meta.size} values in the file; the checkpoint is incomplete (a shard missing?)`);
    }
    out.tensors.set(t.name, hostTensor(t.name, meta.shape, f.data, t.dtype));
  }
  return out;
}

export type { TfEntry };
