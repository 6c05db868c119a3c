import { stat } from 'node:fs/promises';
import { normalizeName, parseReference } from '../oci/reference.js';
import type { Store } from '../store/index.js';
import { copyBetween, type CopyOptions, type CopyResult } from './copy.js';
import type { ImageLocation } from './ends/image-location.js';

/**
 * `ferry push IMAGE|ARCHIVE REF`: what is pushed is an archive when the argument is `-` or an existing file,
 * else the store's image of that name. Without --platform every platform the source holds goes: a push
 * publishes what one has, unlike a pull, which fetches what the host runs.
 */
export async function pushImage(store: Store, from: string, reference: string, opts: CopyOptions = {}): Promise<CopyResult> {
  const ref = parseReference(reference.replace(/^docker:\/\//, ''));
  const source: ImageLocation = (await isArchive(from)) ? { kind: 'archive', path: from } : { kind: 'store', name: normalizeName(from) };
  const platforms = opts.platform?.length ? {} : { allPlatforms: true };
  return copyBetween(store, source, { kind: 'registry', ref }, { ...opts, ...platforms });
}

async function isArchive(from: string): Promise<boolean> {
  if (from === '-') return true;
  return stat(from).then(
    (info) => info.isFile(),
    () => false,
  );
}
