import { Readable } from 'node:stream';
import type { Descriptor } from '../oci/descriptor.js';
import { digestOf } from '../oci/digest.js';
import type { ContentSource } from '../oci/transport.js';

/** A source plus documents made in memory (a rewritten index), served as if they were stored. */
export class OverlaySource implements ContentSource {
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
}
