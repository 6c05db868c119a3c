import type { Store } from '../store/index.js';
import { archiveOrImage } from './ends/archive-or-image.js';
import { imageTree, type ImageTree } from './policy/image-tree.js';
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
  const found = await archiveOrImage(store, arg);
  if (found.kind === 'archive') {
    const trees = await readArchiveTrees(found.path);
    return { kind: 'archive', where: trees.archive, format: trees.format, images: trees.images };
  }
  return { kind: 'store', where: found.store.root, images: [await imageTree(found.store, [found.record.name], found.record.target)] };
}
