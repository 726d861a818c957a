// Node edge for HDF5: opens a file on disk through h5wasm's Node build (direct filesystem access,
// read on demand; a 500 MB file is never copied into memory). The header is checked first so a
// truncated or foreign file gives one clear error naming it.
import { resolve } from 'node:path';
import { fileSource } from './files.ts';
import { checkHdf5Header, wrapH5, type H5Handle, type H5Lib, type H5Node } from '../loaders/keras/h5.ts';

let nodeLib: Promise<H5Lib> | null = null;
function nodeH5(): Promise<H5Lib> {
  if (!nodeLib) {
    nodeLib = import('h5wasm/node').then(async (m) => {
      const lib = ((m as { default?: unknown }).default ?? m) as H5Lib;
      (await lib.ready).activate_throwing_error_handler?.();
      return lib;
    });
  }
  return nodeLib;
}

export async function openH5File(path: string): Promise<H5Handle> {
  const src = fileSource(path);
  try {
    await checkHdf5Header(src);
  } finally {
    src.close();
  }
  const lib = await nodeH5();
  const root: H5Node = wrapH5(path, 'open it as HDF5', () => new lib.File(resolve(path), 'r'));
  return { name: path, root, size: src.size, close: () => void root.close?.() };
}
