/**
 * The archive reader as an end of the copy engine: an archive once read (every blob hashed into a sink on the way
 * in) is a content source holding exactly what the archive carried. The sink may hold more (a staging area also
 * sees the store's blobs; a merge's scratch store holds every input read so far), so `has` answers from the
 * archive's own list, by digest and size: what is complete in the archive is complete because of the archive.
 */
import type { Readable } from 'node:stream';
import { FerryError } from '../../errors.js';
import type { Descriptor } from '../../oci/descriptor.js';
import type { ContentSource } from '../../oci/transport.js';
import type { ArchiveContents } from './contents.js';

export class StagedArchive implements ContentSource {
  constructor(
    readonly contents: ArchiveContents,
    private readonly sink: ContentSource,
    /** Names the archive in messages. */
    private readonly where: string,
  ) {}

  async has(desc: Descriptor): Promise<boolean> {
    return this.contents.blobs.get(desc.digest) === desc.size;
  }

  async fetch(desc: Descriptor): Promise<Readable> {
    if (!(await this.has(desc))) {
      const held = this.contents.blobs.get(desc.digest);
      throw new FerryError('ERR_BLOB_MISSING', `${this.where} does not hold ${desc.digest}${held === undefined ? '' : ` as ${desc.size} bytes (its blob is ${held})`}`, {
        path: this.where,
        digest: desc.digest,
        hint: 'the archive is incomplete or names content it lacks; export it again with every blob',
      });
    }
    return this.sink.fetch(desc);
  }
}
