import { existsSync } from 'node:fs';
import { FerryError } from '../../errors.js';
import { normalizeName } from '../../oci/reference.js';
import type { ImageRecord, Store } from '../../store/index.js';
import { hasArchiveTransport } from './archive-address.js';

export type ArchiveOrImage = { kind: 'archive'; path: string } | { kind: 'image'; store: Store; record: ImageRecord };

/**
 * What a command argument that may be either names (`inspect`, `platforms explain --against`): an existing
 * file or directory, `-`, or an `oci:` / `oci-archive:` / `docker-archive:` address is an archive; anything else an image of the store, which is opened only then.
 */
export async function archiveOrImage(store: () => Promise<Store>, arg: string): Promise<ArchiveOrImage> {
  if (arg === '-' || existsSync(arg) || hasArchiveTransport(arg)) return { kind: 'archive', path: arg };
  const name = normalizeName(arg);
  const opened = await store();
  const record = await opened.getImage(name);
  if (!record) {
    throw new FerryError('ERR_NOT_FOUND', `${arg} is neither a file nor an image in the store ${opened.root}`, {
      hint: "name an archive file or see 'ferry images ls'",
    });
  }
  return { kind: 'image', store: opened, record };
}
