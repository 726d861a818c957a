// The random-access byte source every loader reads through: a file in Node (src/node/files.ts),
// an ArrayBuffer or a File/Blob in the browser. Loaders check declared sizes against `size`
// before reading, so that a corrupt header never leads to a huge allocation.
export interface ByteSource {
  /** A name for error messages (the file path or the dropped file's name). */
  readonly name: string;
  readonly size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
}

export function bytesSource(bytes: Uint8Array | ArrayBuffer, name = 'buffer'): ByteSource {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  return {
    name,
    size: u8.byteLength,
    async read(offset, length) {
      checkRange(name, u8.byteLength, offset, length);
      return u8.subarray(offset, offset + length);
    },
  };
}

/** A browser File or Blob. */
export function blobSource(blob: Blob, name = (blob as File).name ?? 'blob'): ByteSource {
  return {
    name,
    size: blob.size,
    async read(offset, length) {
      checkRange(name, blob.size, offset, length);
      return new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer());
    },
  };
}

export function checkRange(name: string, size: number, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > size) {
    throw new Error(`${name}: read of ${length} bytes at offset ${offset} is beyond the end of the file (${size} bytes); the file is truncated or corrupt`);
  }
}

export async function readAll(src: ByteSource): Promise<Uint8Array> {
  return src.read(0, src.size);
}
