import { Readable } from 'node:stream';
import { FerryError } from '../errors.js';
import type { Descriptor } from '../oci/descriptor.js';
import { digestOf } from '../oci/digest.js';
import { MAX_DOCUMENT_BYTES } from '../oci/document.js';
import type { ContentSource, ContentTarget } from '../oci/transport.js';
import { readBlobBytes } from './read-document.js';

/**
 * A source plus documents made in memory (a rewritten index), served as if they were stored. Documents written to
 * it are kept in memory too, so an archive writer can hold what an export makes without writing to the store the
 * export reads (which may be read-only); anything larger than a document is refused.
 */
export class OverlaySource implements ContentSource, ContentTarget {
  private readonly extra = new Map<string, Buffer>();

  constructor(private readonly base: ContentSource) {}

  /** Adds a document and returns its descriptor. */
  add(mediaType: string, bytes: Buffer, extra: Partial<Descriptor> = {}): Descriptor {
    const digest = digestOf(bytes);
    this.extra.set(digest, bytes);
    return { mediaType, digest, size: bytes.length, ...extra };
  }

  async has(desc: Descriptor): Promise<boolean> {
    return this.extra.has(desc.digest) || this.base.has(desc);
  }

  async fetch(desc: Descriptor): Promise<Readable> {
    const bytes = this.extra.get(desc.digest);
    return bytes ? Readable.from([bytes]) : this.base.fetch(desc);
  }

  async write(desc: Descriptor, stream: Readable): Promise<void> {
    if (desc.size > MAX_DOCUMENT_BYTES) {
      stream.destroy();
      throw new FerryError('ERR_TOO_LARGE', `blob ${desc.digest} (${desc.size} bytes) is not a document this overlay can hold in memory`, {
        digest: desc.digest,
        hint: 'hold blobs in a staging area of the store instead; this is a bug in ferry if a command did it',
      });
    }
    this.extra.set(desc.digest, await readBlobBytes({ fetch: async () => stream, has: async () => true }, desc));
  }
}
