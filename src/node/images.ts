// Node edge for images: JPEG/PNG decoding (jpeg-js, pngjs) into the `Image` of
// src/train/data/preprocess.ts (HWC bytes: RGB for JPEG, gray for grayscale JPEG, RGBA for PNG;
// toRGB makes 3 channels later). Detected by content, not by extension; errors name the file
// and say what is wrong with it. Resizing and the preprocessing modes live in preprocess.ts.
import { readFileSync } from 'node:fs';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { preprocessImage, type Image, type PreprocessMode, type CropMode } from '../train/data/preprocess.ts';

/** Extensions an image folder lists (as image_dataset_from_directory; .bmp/.gif are refused when decoded). */
export const IMAGE_EXTENSIONS = ['.bmp', '.gif', '.jpeg', '.jpg', '.png'];
/** Largest image decoded, in megapixels (guards against decompression bombs). */
const MAX_MEGAPIXELS = 100;

export function imageFormat(bytes: Uint8Array): 'jpeg' | 'png' | 'gif' | 'bmp' | null {
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return 'jpeg';
  if (bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'png';
  if (bytes[0] === 0x47 && bytes[1] === 0x49 && bytes[2] === 0x46) return 'gif';
  if (bytes[0] === 0x42 && bytes[1] === 0x4d) return 'bmp';
  return null;
}

/** Decodes JPEG or PNG bytes. */
export function decodeImage(bytes: Uint8Array, name = 'image'): Image {
  const fmt = imageFormat(bytes);
  if (fmt === 'jpeg') {
    try {
      const d = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, maxResolutionInMP: MAX_MEGAPIXELS, maxMemoryUsageInMB: 2048 });
      const channels = d.data.length / (d.width * d.height);
      if (!d.width || !d.height || !Number.isInteger(channels)) throw new Error('empty image');
      return { width: d.width, height: d.height, channels, data: d.data };
    } catch (e) {
      throw new Error(`${name}: corrupt or unsupported JPEG (${(e as Error).message})`);
    }
  }
  if (fmt === 'png') {
    try {
      const p = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return { width: p.width, height: p.height, channels: 4, data: new Uint8Array(p.data.buffer, p.data.byteOffset, p.data.byteLength) };
    } catch (e) {
      throw new Error(`${name}: corrupt or unsupported PNG (${(e as Error).message})`);
    }
  }
  if (fmt) throw new Error(`${name}: ${fmt.toUpperCase()} images are not supported (convert to JPEG or PNG)`);
  if (bytes.length === 0) throw new Error(`${name}: empty file`);
  throw new Error(`${name}: not a JPEG or PNG image`);
}

/** Reads and decodes an image file; errors name the file. */
export function readImage(path: string): Image {
  let b: Buffer;
  try {
    b = readFileSync(path);
  } catch (e) {
    throw new Error(`${path}: cannot open (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return decodeImage(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), path);
}

/** Reads, resizes (bilinear, half-pixel centres) and preprocesses an image for an [h, w, 3] input. */
export function loadImageInput(path: string, height: number, width: number, mode: PreprocessMode, crop: CropMode = 'none'): Float32Array {
  return preprocessImage(readImage(path), { width, height, mode, crop });
}
