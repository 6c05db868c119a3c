import { existsSync } from 'node:fs';
import { readArchive } from '../archive/read/index.js';
import { FerryError } from '../errors.js';
import { readDocument } from '../graph/read-document.js';
import { manifestContent } from '../graph/resolve.js';
import type { Descriptor } from '../oci/descriptor.js';
import { isIndex } from '../oci/mediatypes.js';
import { formatReference, parseReference } from '../oci/reference.js';
import { IndexSchema } from '../oci/schemas.js';
import type { ContentSource } from '../oci/transport.js';
import type { Store } from '../store/index.js';
import { MetadataSink } from './metadata-sink.js';
import { openInput } from './open-input.js';

/**
 * The descriptors a platform choice is made among, for `platforms explain --against`: an archive file (read
 * without storing it) or an image of the store. Nested indexes are flattened; a lone manifest gets its
 * platform from its config.
 */
export async function platformCandidates(store: () => Promise<Store>, against: string): Promise<Descriptor[]> {
  if (against === '-' || existsSync(against)) {
    const sink = new MetadataSink();
    const input = await openInput(against);
    const contents = await readArchive(input.stream, sink, { where: input.where });
    const all = await Promise.all(contents.images.map((i) => candidatesOf(sink, i.target)));
    return all.flat();
  }
  const name = formatReference(parseReference(against));
  const opened = await store();
  const record = await opened.getImage(name);
  if (!record) {
    throw new FerryError('ERR_NOT_FOUND', `${against} is neither a file nor an image in the store`, { hint: "name an archive file or see 'ferry images ls'" });
  }
  return candidatesOf(opened, record.target);
}

async function candidatesOf(source: ContentSource, desc: Descriptor): Promise<Descriptor[]> {
  if (!isIndex(desc.mediaType)) {
    const content = await manifestContent(source, desc);
    return [{ ...desc, ...(content.platform ? { platform: content.platform } : {}) }];
  }
  if (!(await source.has(desc))) return [];
  const index = (await readDocument(source, desc, IndexSchema)).value;
  const nested = await Promise.all(index.manifests.map((m) => (isIndex(m.mediaType) ? candidatesOf(source, m) : Promise.resolve([m]))));
  return nested.flat();
}
