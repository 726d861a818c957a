// Image preprocessing on decoded pixels (HWC, row-major): channel fixes (grayscale -> 3
// channels, alpha dropped), bilinear resize with half-pixel centres (TF2's tf.image.resize),
// center crop to the target aspect ratio, crop-or-pad, and the keras.applications modes.
export interface Image {
  width: number;
  height: number;
  channels: number;
  /** HWC values: bytes 0..255 from a decoder, or floats. */
  data: Uint8Array | Uint8ClampedArray | Float32Array;
}

export type PreprocessMode = 'inception' | 'tf' | 'caffe' | 'vgg' | 'torch' | 'none';
export const PREPROCESS_MODES: PreprocessMode[] = ['inception', 'tf', 'caffe', 'vgg', 'torch', 'none'];

/** Caffe's ImageNet means in BGR order (keras.applications 'caffe'). */
export const CAFFE_BGR_MEAN = [103.939, 116.779, 123.68];
/** TF-slim VGG means in RGB order. */
export const VGG_RGB_MEAN = [123.68, 116.78, 103.94];
export const TORCH_MEAN = [0.485, 0.456, 0.406];
export const TORCH_STD = [0.229, 0.224, 0.225];

/** Gray (1), gray+alpha (2), RGB (3) or RGBA (4) to RGB. */
export function toRGB(img: Image): Image {
  const { width, height, channels, data } = img;
  if (channels === 3) return img;
  if (![1, 2, 4].includes(channels)) throw new Error(`images need 1, 2, 3 or 4 channels, got ${channels}`);
  const n = width * height;
  const out = data instanceof Float32Array ? new Float32Array(n * 3) : new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    if (channels <= 2) {
      const g = data[i * channels];
      out[i * 3] = out[i * 3 + 1] = out[i * 3 + 2] = g;
    } else {
      out[i * 3] = data[i * 4];
      out[i * 3 + 1] = data[i * 4 + 1];
      out[i * 3 + 2] = data[i * 4 + 2];
    }
  }
  return { width, height, channels: 3, data: out };
}

/** Bilinear resize with half-pixel centres (tf.image.resize, antialias off); returns floats. */
export function resizeBilinear(img: Image, outW: number, outH: number): Image {
  const { width: w, height: h, channels: c, data } = img;
  const out = new Float32Array(outW * outH * c);
  const sy = h / outH;
  const sx = w / outW;
  const x0s = new Int32Array(outW);
  const x1s = new Int32Array(outW);
  const fx = new Float32Array(outW);
  for (let x = 0; x < outW; x++) {
    const src = (x + 0.5) * sx - 0.5;
    const f = Math.floor(src);
    x0s[x] = Math.max(f, 0);
    x1s[x] = Math.min(f + 1, w - 1);
    fx[x] = src - f;
  }
  for (let y = 0; y < outH; y++) {
    const src = (y + 0.5) * sy - 0.5;
    const f = Math.floor(src);
    const y0 = Math.max(f, 0);
    const y1 = Math.min(f + 1, h - 1);
    const ly = src - f;
    for (let x = 0; x < outW; x++) {
      const a = (y0 * w + x0s[x]) * c;
      const b = (y0 * w + x1s[x]) * c;
      const d = (y1 * w + x0s[x]) * c;
      const e = (y1 * w + x1s[x]) * c;
      const lx = fx[x];
      const o = (y * outW + x) * c;
      for (let k = 0; k < c; k++) {
        const top = data[a + k] + (data[b + k] - data[a + k]) * lx;
        const bottom = data[d + k] + (data[e + k] - data[d + k]) * lx;
        out[o + k] = top + (bottom - top) * ly;
      }
    }
  }
  return { width: outW, height: outH, channels: c, data: out };
}

/** A window of the image (no resampling). Parts outside the image are zero. */
export function crop(img: Image, left: number, top: number, w: number, h: number): Image {
  const c = img.channels;
  const out = new Float32Array(w * h * c);
  for (let y = 0; y < h; y++) {
    const sy = y + top;
    if (sy < 0 || sy >= img.height) continue;
    for (let x = 0; x < w; x++) {
      const sx = x + left;
      if (sx < 0 || sx >= img.width) continue;
      const s = (sy * img.width + sx) * c;
      const o = (y * w + x) * c;
      for (let k = 0; k < c; k++) out[o + k] = img.data[s + k];
    }
  }
  return { width: w, height: h, channels: c, data: out };
}

/** The largest central window with the target's aspect ratio (Keras crop_to_aspect_ratio). */
export function centerCropToAspect(img: Image, outW: number, outH: number): Image {
  const cropW = Math.min(img.width, Math.round((img.height * outW) / outH));
  const cropH = Math.min(img.height, Math.round((img.width * outH) / outW));
  if (cropW === img.width && cropH === img.height) return img;
  return crop(img, Math.floor((img.width - cropW) / 2), Math.floor((img.height - cropH) / 2), cropW, cropH);
}

/** tf.image.resize_with_crop_or_pad: central crop where larger, zero padding where smaller. */
export function cropOrPad(img: Image, outW: number, outH: number): Image {
  const left = img.width > outW ? Math.floor((img.width - outW) / 2) : -Math.floor((outW - img.width) / 2);
  const top = img.height > outH ? Math.floor((img.height - outH) / 2) : -Math.floor((outH - img.height) / 2);
  return crop(img, left, top, outW, outH);
}

export type CropMode = 'none' | 'center' | 'crop-or-pad';

/** To RGB, then to the size: squashed (default), center crop then resize, or crop-or-pad. */
export function fitImage(img: Image, outW: number, outH: number, cropMode: CropMode = 'none'): Image {
  let x = toRGB(img);
  if (cropMode === 'crop-or-pad') return cropOrPad(x, outW, outH);
  if (cropMode === 'center') x = centerCropToAspect(x, outW, outH);
  if (x.width === outW && x.height === outH) return { ...x, data: x.data instanceof Float32Array ? x.data : Float32Array.from(x.data) };
  return resizeBilinear(x, outW, outH);
}

/**
 * keras.applications preprocess_input on RGB values in 0..255 (HWC, any length multiple of 3),
 * written into `out` (a new array unless given).
 */
export function normalize(rgb: ArrayLike<number>, mode: PreprocessMode, out: Float32Array = new Float32Array(rgb.length)): Float32Array {
  const n = rgb.length;
  if (n % 3) throw new Error(`preprocessing '${mode}' needs RGB values, got ${n} values`);
  switch (mode) {
    case 'inception':
    case 'tf':
      for (let i = 0; i < n; i++) out[i] = rgb[i] / 127.5 - 1;
      break;
    case 'caffe':
      for (let i = 0; i < n; i += 3) {
        const r = rgb[i];
        out[i] = rgb[i + 2] - CAFFE_BGR_MEAN[0];
        out[i + 1] = rgb[i + 1] - CAFFE_BGR_MEAN[1];
        out[i + 2] = r - CAFFE_BGR_MEAN[2];
      }
      break;
    case 'vgg':
      for (let i = 0; i < n; i++) out[i] = rgb[i] - VGG_RGB_MEAN[i % 3];
      break;
    case 'torch':
      for (let i = 0; i < n; i++) out[i] = (rgb[i] / 255 - TORCH_MEAN[i % 3]) / TORCH_STD[i % 3];
      break;
    case 'none':
      for (let i = 0; i < n; i++) out[i] = rgb[i];
      break;
    default:
      throw new Error(`unknown preprocessing mode '${mode}': choose one of ${PREPROCESS_MODES.join(', ')}`);
  }
  return out;
}

export interface PreprocessOptions {
  width: number;
  height: number;
  mode: PreprocessMode;
  crop?: CropMode;
}

/** Decoded pixels to the model's input: RGB, sized, normalized (HWC float32). */
export function preprocessImage(img: Image, o: PreprocessOptions): Float32Array {
  const fitted = fitImage(img, o.width, o.height, o.crop ?? 'none');
  return normalize(fitted.data, o.mode, fitted.data instanceof Float32Array ? fitted.data : undefined);
}
