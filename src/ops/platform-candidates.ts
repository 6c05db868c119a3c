import { readArchive } from '../archive/read/index.js';
import { leaves } from '../graph/handlers.js';
import { sourceReader } from '../graph/read-document.js';
import { manifestContent } from '../graph/resolve.js';
import { children, indexesOnce, walk } from '../graph/walk.js';
import type { Descriptor } from '../oci/descriptor.js';
import { isIndex } from '../oci/mediatypes.js';
import type { ContentSource } from '../oci/transport.js';
import type { Store } from '../store/index.js';
import { archiveOrImage } from './ends/archive-or-image.js';
import { MetadataSink } from './ends/metadata-sink.js';
import { openInput, readOptionsOf } from './ends/open-input.js';
import { pickImages } from './policy/pick-image.js';

/**
 * The descriptors a platform choice is made among, for `platforms explain --against`: an archive file (read
 * without storing it) or an image of the store. Nested indexes are flattened; a lone manifest gets its
 * platform from its config.
 */
export async function platformCandidates(store: () => Promise<Store>, against: string): Promise<Descriptor[]> {
  const found = await archiveOrImage(store, against);
  if (found.kind === 'image') return candidatesOf(found.store, found.record.target);
  const sink = new MetadataSink();
  const input = await openInput(found.path);
  const contents = pickImages(await readArchive(input.stream, sink, readOptionsOf(input)), input);
  const all = await Promise.all(contents.images.map((i) => candidatesOf(sink, i.target)));
  return all.flat();
}

/** Every entry below an index, nested indexes walked (absent ones have none), each as its index lists it. */
async function candidatesOf(source: ContentSource, desc: Descriptor): Promise<Descriptor[]> {
  if (!isIndex(desc.mediaType)) {
    const content = await manifestContent(source, desc);
    return [{ ...desc, ...(content.platform ? { platform: content.platform } : {}) }];
  }
  const found: Descriptor[] = [];
  const handler = leaves((d) => !isIndex(d.mediaType), (d) => {
    found.push(d);
  })(children(sourceReader(source)));
  await walk([desc], handler, { key: indexesOnce() });
  return found;
}
