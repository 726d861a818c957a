// Image folders as Keras's image_dataset_from_directory reads them, on a listing the environment
// provides (src/node/image-folder.ts walks a directory; a browser passes File objects):
// class names sorted, labels = index of the class, items in listing order class by class, then
// (when shuffling) a seeded numpy-compatible shuffle, then the validation split takes the last
// fraction. Decoding is a callback, so the core never touches files.
import { MT19937 } from './random.ts';
import { preprocessImage, type Image, type PreprocessOptions } from './preprocess.ts';

export type Listing<T> = Record<string, T[]>;

export interface FolderSplitOptions {
  /** Shuffle before splitting (default true, as Keras). */
  shuffle?: boolean;
  /** Seed of the shuffle (default 0, CONTRACTS). */
  seed?: number;
  /** Fraction of the items held out for validation (0 = none). */
  validationSplit?: number;
  /** Class names to use, in label order (default: the listing's, sorted). */
  classNames?: string[];
}

export interface LabeledItems<T> {
  items: T[];
  labels: number[];
  classNames: string[];
}

export interface FolderSplit<T> {
  classNames: string[];
  train: LabeledItems<T>;
  validation: LabeledItems<T> | null;
}

/** Python's sorted() on strings: by code point. */
export const pySort = (a: string[]): string[] => [...a].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));

/** Labels the listing and splits it the way image_dataset_from_directory does. */
export function splitFolder<T>(listing: Listing<T>, opts: FolderSplitOptions = {}): FolderSplit<T> {
  const classNames = opts.classNames ?? pySort(Object.keys(listing));
  if (!classNames.length) throw new Error('the image folder has no class sub-folders');
  const missing = classNames.filter((c) => !(c in listing));
  if (missing.length) throw new Error(`class folders not found: ${missing.join(', ')}`);
  let items: T[] = [];
  let labels: number[] = [];
  classNames.forEach((c, i) => {
    items.push(...listing[c]);
    labels.push(...listing[c].map(() => i));
  });
  if (!items.length) throw new Error(`the image folder has no images (classes: ${classNames.join(', ')})`);
  if (opts.shuffle ?? true) {
    const seed = opts.seed ?? 0;
    items = new MT19937(seed).shuffle(items);
    labels = new MT19937(seed).shuffle(labels);
  }
  const split = opts.validationSplit ?? 0;
  if (split < 0 || split >= 1) throw new Error(`validationSplit must be in [0, 1), got ${split}`);
  const nVal = Math.trunc(split * items.length);
  if (split > 0 && nVal === 0) throw new Error(`validationSplit ${split} of ${items.length} images leaves no validation image`);
  const cut = items.length - nVal;
  return {
    classNames,
    train: { items: items.slice(0, cut), labels: labels.slice(0, cut), classNames },
    validation: nVal ? { items: items.slice(cut), labels: labels.slice(cut), classNames } : null,
  };
}

/** A random-access source of (input, label) samples: what the batcher reads. */
export interface Dataset {
  readonly size: number;
  /** One sample's input shape without batch, e.g. [224, 224, 3]. */
  readonly inputShape: number[];
  /** Values per target (1 for a class index). */
  readonly targetSize: number;
  get(index: number): Promise<{ x: Float32Array; y: Float32Array | number } | null>;
}

export interface ImageDatasetOptions extends PreprocessOptions {
  /** What to do with an image that fails to decode: throw (default) or skip it with a warning. */
  onError?: 'fail' | 'skip';
  /**
   * Images whose size differs from [width, height]: squash them to it (default, as Keras), or
   * fail / skip with a warning when every image should already have the model's size.
   */
  onOtherSize?: 'resize' | 'fail' | 'skip';
  warn?: (message: string) => void;
}

/** Labeled items + a decoder -> a Dataset of preprocessed images (HWC float32). */
export function imageDataset<T>(split: LabeledItems<T>, decode: (item: T) => Promise<Image> | Image, o: ImageDatasetOptions): Dataset & { classNames: string[] } {
  const onError = o.onError ?? 'fail';
  const warn = o.warn ?? ((m: string) => console.warn(m));
  return {
    size: split.items.length,
    inputShape: [o.height, o.width, 3],
    targetSize: 1,
    classNames: split.classNames,
    async get(i: number) {
      const item = split.items[i];
      let img: Image;
      try {
        img = await decode(item);
      } catch (e) {
        const msg = `${String(item)}: ${(e as Error).message}`;
        if (onError === 'skip') {
          warn(`skipping ${msg}`);
          return null;
        }
        throw new Error(`${msg} (pass onError 'skip' / --skip-bad-images to skip such files)`);
      }
      const sizing = o.onOtherSize ?? 'resize';
      if (sizing !== 'resize' && (img.width !== o.width || img.height !== o.height)) {
        const msg = `${String(item)} is ${img.width}x${img.height}, not ${o.width}x${o.height} like the model's input (mixed image sizes)`;
        if (sizing === 'skip') {
          warn(`skipping ${msg}`);
          return null;
        }
        throw new Error(`${msg}; let the images be resized (onOtherSize 'resize') or skip them ('skip')`);
      }
      return { x: preprocessImage(img, o), y: split.labels[i] };
    },
  };
}
