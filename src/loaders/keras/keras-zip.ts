// Keras 3 `.keras` files: a zip of config.json, metadata.json and model.weights.h5.
import { unzipSync } from 'fflate';
import { bytesSource, type ByteSource } from '../byte-source.ts';

export interface KerasZip {
  config: Record<string, unknown>;
  metadata: Record<string, unknown>;
  /** model.weights.h5 as a byte source. */
  weights: ByteSource;
}

export async function readKerasZip(src: ByteSource): Promise<KerasZip> {
  const head = await src.read(0, Math.min(4, src.size));
  if (head[0] !== 0x50 || head[1] !== 0x4b) throw new Error(`${src.name}: not a .keras file (not a zip archive)`);
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(await src.read(0, src.size));
  } catch (e) {
    throw new Error(`${src.name}: cannot unzip (${(e as Error).message}); the file is truncated or corrupt`);
  }
  const text = (n: string) => {
    if (!files[n]) throw new Error(`${src.name}: the archive has no ${n} (it holds ${Object.keys(files).join(', ')})`);
    try {
      return JSON.parse(new TextDecoder().decode(files[n])) as Record<string, unknown>;
    } catch (e) {
      throw new Error(`${src.name}: ${n} is not valid JSON (${(e as Error).message})`);
    }
  };
  const config = text('config.json');
  const metadata = files['metadata.json'] ? text('metadata.json') : {};
  const wname = Object.keys(files).find((n) => n.endsWith('.weights.h5')) ?? 'model.weights.h5';
  if (!files[wname]) throw new Error(`${src.name}: the archive has no model.weights.h5`);
  return { config, metadata, weights: bytesSource(files[wname], `${src.name}:${wname}`) };
}
