import { existsSync } from 'node:fs';
import { FerryError } from '../errors.js';
import { formatReference, parseReference } from '../oci/reference.js';
import type { Store } from '../store/index.js';
import { imageTree, type ImageTree } from './image-tree.js';
import { readArchiveTrees } from './verify-archive.js';

export interface InspectResult {
  kind: 'archive' | 'store';
  /** The archive file (or stdin), or the store's root. */
  where: string;
  format?: string;
  images: ImageTree[];
}

/**
 * `ferry inspect`: an argument that is an existing file (or `-`) is an archive, read once without storing it;
 * anything else names an image of the store (the same decision as `platforms explain --against`).
 */
export async function inspectImage(store: () => Promise<Store>, arg: string): Promise<InspectResult> {
  if (arg === '-' || existsSync(arg)) {
    const trees = await readArchiveTrees(arg);
    return { kind: 'archive', where: trees.archive, format: trees.format, images: trees.images };
  }
  const name = formatReference(parseReference(arg));
  const opened = await store();
  const record = await opened.getImage(name);
  if (!record) {
    throw new FerryError('ERR_NOT_FOUND', `${arg} is neither a file nor an image in the store ${opened.root}`, { hint: "name an archive file or see 'ferry images ls'" });
  }
  return { kind: 'store', where: opened.root, images: [await imageTree(opened, [record.name], record.target)] };
}
