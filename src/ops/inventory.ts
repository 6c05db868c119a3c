import { blobFiles, type Store } from '../store/index.js';

/**
 * Every blob the store holds, as sorted digests: the far side of an air gap writes this list and ships it back, so
 * the near side can export only what is missing (`ferry export --exclude-blobs-from LIST`). Files under blobs/
 * that are not named like a digest (other tools' leftovers) are not blobs and are not listed.
 */
export async function storeInventory(store: Store): Promise<string[]> {
  const digests: string[] = [];
  for await (const { digest } of blobFiles(store.paths.blobs)) digests.push(digest);
  // The default sort compares UTF-16 code units: the same order on every machine, whatever the locale.
  return digests.sort();
}
