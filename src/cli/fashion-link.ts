// Fashion-MNIST from the system copy (/usr/share/datasets/fashion-mnist, or $FASHION_MNIST_DIR),
// read with the IDX reader, as a per-sample Dataset sized to a model's input (28x28x1 as is;
// other sizes resized bilinearly, grayscale repeated to 3 channels). Pixels in [0, 1].
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { idxImagesToFloat, parseIdx } from '../train/data/idx.ts';
import { resizeBilinear } from '../train/data/preprocess.ts';
import type { Dataset } from '../train/data/image-folder.ts';

export const FASHION_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

export function fashionDir(): string {
  const dirs = [process.env.FASHION_MNIST_DIR, '/usr/share/datasets/fashion-mnist'].filter(Boolean) as string[];
  const d = dirs.find((x) => existsSync(join(x, 'train-images-idx3-ubyte.gz')) || existsSync(join(x, 'train-images-idx3-ubyte')));
  if (!d) throw new Error(`Fashion-MNIST not found in ${dirs.join(' or ')} (set FASHION_MNIST_DIR to a folder with the four IDX files)`);
  return d;
}

const cache = new Map<string, { x: Float32Array; labels: Uint8Array }>();
/** All images ([n, 784] in [0,1]) and labels of a split. */
export function fashionArrays(split: 'train' | 't10k'): { x: Float32Array; labels: Uint8Array } {
  const hit = cache.get(split);
  if (hit) return hit;
  const d = fashionDir();
  const read = (name: string) => {
    const p = [join(d, `${name}.gz`), join(d, name)].find(existsSync)!;
    return parseIdx(new Uint8Array(readFileSync(p)), p);
  };
  const x = idxImagesToFloat(read(`${split}-images-idx3-ubyte`)).x;
  const labels = Uint8Array.from(read(`${split}-labels-idx1-ubyte`).data as Uint8Array);
  const r = { x, labels };
  cache.set(split, r);
  return r;
}

/** Indices of the first `perClass` samples of each class in `classes` (all when perClass is 0), in file order. */
export function pickClasses(labels: Uint8Array, classes: number[], perClass = 0, skip = 0): number[] {
  const count = new Map<number, number>();
  const seen = new Map<number, number>();
  const out: number[] = [];
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i];
    if (!classes.includes(c)) continue;
    const s = (seen.get(c) ?? 0) + 1;
    seen.set(c, s);
    if (s <= skip) continue;
    if (perClass && (count.get(c) ?? 0) >= perClass) continue;
    count.set(c, (count.get(c) ?? 0) + 1);
    out.push(i);
  }
  return out;
}

/** One image (flat 784 floats in [0,1]) to [h, w, c]. */
export function fitFashion(img: Float32Array, h: number, w: number, c: number): Float32Array {
  let px = img;
  if (h !== 28 || w !== 28) px = resizeBilinear({ width: 28, height: 28, channels: 1, data: img }, w, h).data as Float32Array;
  if (c === 1) return px instanceof Float32Array ? px : Float32Array.from(px);
  const out = new Float32Array(h * w * c);
  for (let i = 0; i < h * w; i++) for (let k = 0; k < c; k++) out[i * c + k] = px[i];
  return out;
}

export interface FashionOptions {
  height: number;
  width: number;
  channels: number;
  split?: 'train' | 't10k';
  /** Class indices to keep (relabelled 0..k-1 in this order); default all ten. */
  classes?: number[];
  perClass?: number;
  skip?: number;
  limit?: number;
}

/** Fashion-MNIST as a Dataset (labels are class indices, relabelled when `classes` is given). */
export async function fashionMnist(o: FashionOptions): Promise<Dataset & { classNames: string[] }> {
  const { x, labels } = fashionArrays(o.split ?? 'train');
  const classes = o.classes ?? [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  let idx = pickClasses(labels, classes, o.perClass ?? 0, o.skip ?? 0);
  if (o.limit) idx = idx.slice(0, o.limit);
  const relabel = new Map(classes.map((c, i) => [c, i]));
  return {
    size: idx.length,
    inputShape: [o.height, o.width, o.channels],
    targetSize: 1,
    classNames: classes.map((c) => FASHION_CLASSES[c]),
    async get(i: number) {
      const s = idx[i];
      return { x: fitFashion(x.subarray(s * 784, (s + 1) * 784), o.height, o.width, o.channels), y: relabel.get(labels[s])! };
    },
  };
}
