// A directory with one sub-folder per class, listed as Keras's image_dataset_from_directory
// lists it (class folders sorted, files of each class walked recursively in sorted order,
// extensions .bmp .gif .jpeg .jpg .png), then labelled, shuffled and split by the core.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pySort, splitFolder, imageDataset, type FolderSplit, type FolderSplitOptions, type ImageDatasetOptions, type Listing } from '../train/data/image-folder.ts';
import { IMAGE_EXTENSIONS, readImage } from './images.ts';

export interface ListOptions {
  /** An empty class folder: fail (default) or warn and leave the class without images. */
  onEmptyClass?: 'fail' | 'warn';
  warn?: (message: string) => void;
}

function walk(dir: string, out: string[]): void {
  const entries = pySort(readdirSync(dir));
  const files: string[] = [];
  const dirs: string[] = [];
  for (const e of entries) {
    const p = join(dir, e);
    let st;
    try {
      st = statSync(p);
    } catch {
      continue;
    }
    if (st.isDirectory()) dirs.push(p);
    else if (IMAGE_EXTENSIONS.some((x) => e.toLowerCase().endsWith(x))) files.push(p);
  }
  out.push(...files);
  for (const d of dirs) walk(d, out);
}

/** {className: [file paths]} for a class-per-folder directory. */
export function listImageFolder(root: string, opts: ListOptions = {}): Listing<string> {
  let st;
  try {
    st = statSync(root);
  } catch {
    throw new Error(`${root}: no such directory`);
  }
  if (!st.isDirectory()) throw new Error(`${root}: not a directory (expected one sub-folder per class)`);
  const classes = pySort(readdirSync(root).filter((e) => statSync(join(root, e)).isDirectory()));
  if (!classes.length) throw new Error(`${root}: no class sub-folders (expected ${root}/<class>/<image files>)`);
  const listing: Listing<string> = {};
  const empty: string[] = [];
  for (const c of classes) {
    const files: string[] = [];
    walk(join(root, c), files);
    if (!files.length) empty.push(c);
    listing[c] = files;
  }
  if (empty.length) {
    const msg = `${root}: class folder${empty.length > 1 ? 's' : ''} ${empty.join(', ')} ha${empty.length > 1 ? 've' : 's'} no images (${IMAGE_EXTENSIONS.join(' ')})`;
    if ((opts.onEmptyClass ?? 'fail') === 'fail') throw new Error(`${msg}; remove the folder or pass onEmptyClass 'warn' (--allow-empty-classes)`);
    (opts.warn ?? ((m: string) => console.warn(m)))(`warning: ${msg}`);
  }
  return listing;
}

/** Listing, split and decoding options (onError: corrupt files; onOtherSize: mixed image sizes). */
export interface ImageFolderOptions extends FolderSplitOptions, ListOptions, ImageDatasetOptions {}

/** Train (and validation) datasets of an image folder, as image_dataset_from_directory. */
export function imageFolder(root: string, opts: ImageFolderOptions) {
  const split: FolderSplit<string> = splitFolder(listImageFolder(root, opts), opts);
  const ds = (s: FolderSplit<string>['train']) => imageDataset(s, readImage, opts);
  return { classNames: split.classNames, train: ds(split.train), validation: split.validation ? ds(split.validation) : null, split };
}
