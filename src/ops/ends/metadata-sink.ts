import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FerryError } from '../../errors.js';
import type { Descriptor } from '../../oci/descriptor.js';
import { chain } from '../../oci/chain.js';
import { DigestingStream, VerifyingStream } from '../../oci/digest.js';
import { MAX_DOCUMENT_BYTES } from '../../oci/document.js';
import type { BlobSink, ContentSource } from '../../oci/transport.js';
import { UncompressedDigestTap, type UncompressedDigest } from '../../oci/uncompressed-digest.js';

/**
 * A sink that verifies everything but keeps only small blobs (manifests, indexes, configs) in memory and
 * remembers that the rest was present: enough to inspect or explain an archive without storing its layers.
 * With `uncompressedDigests` it also learns what each blob decompresses to, in the same pass (verify's diffID
 * check): which blobs are layers is known only once the documents are read.
 */
export class MetadataSink implements BlobSink, ContentSource {
  private readonly documents = new Map<string, Buffer>();
  private readonly present = new Map<string, number>();
  private readonly uncompressed = new Map<string, UncompressedDigest>();

  constructor(private readonly opts: { uncompressedDigests?: { ratio: number; floor?: number } } = {}) {}

  /** What the blob decompresses to, when the sink was asked to learn it and holds the blob. */
  uncompressedDigest(digest: string): UncompressedDigest | undefined {
    return this.uncompressed.get(digest);
  }

  async has(desc: Pick<Descriptor, 'digest'>): Promise<boolean> {
    return this.present.has(desc.digest);
  }

  async fetch(desc: Descriptor): Promise<Readable> {
    const bytes = this.documents.get(desc.digest);
    if (!bytes) {
      throw new FerryError('ERR_BLOB_MISSING', `blob ${desc.digest} was not kept (only documents up to ${MAX_DOCUMENT_BYTES} bytes are)`, { digest: desc.digest });
    }
    return Readable.from([bytes]);
  }

  async write(desc: Descriptor, stream: Readable): Promise<void> {
    const tap = this.tap(`blob ${desc.digest}`, desc.size);
    const verified = chain(stream, new VerifyingStream(desc));
    const kept = await this.consume(tap ? chain(verified, tap) : verified, desc.size <= MAX_DOCUMENT_BYTES);
    this.remember(desc.digest, desc.size, kept, tap);
  }

  async writeUnknown(stream: Readable): Promise<{ digest: string; size: number }> {
    const digesting = new DigestingStream();
    const tap = this.tap('archive entry');
    const kept = await this.consume(tap ? chain(stream, digesting, tap) : chain(stream, digesting), true);
    const { digest, size } = digesting.digest;
    this.remember(digest, size, kept, tap);
    return { digest, size };
  }

  private tap(where: string, compressedSize?: number): UncompressedDigestTap | undefined {
    const bounds = this.opts.uncompressedDigests;
    return bounds && new UncompressedDigestTap({ where, ...bounds, ...(compressedSize === undefined ? {} : { compressedSize }) });
  }

  private remember(digest: string, size: number, kept: Buffer | undefined, tap: UncompressedDigestTap | undefined): void {
    this.present.set(digest, size);
    if (kept) this.documents.set(digest, kept);
    if (tap) this.uncompressed.set(digest, tap.result);
  }

  /** Drains a stream, keeping its bytes while they stay under the document cap. */
  private async consume(stream: Readable, keep: boolean): Promise<Buffer | undefined> {
    let chunks: Buffer[] | undefined = keep ? [] : undefined;
    let length = 0;
    await pipeline(
      stream,
      new Writable({
        write(chunk: Buffer, _enc, done) {
          length += chunk.length;
          if (chunks && length > MAX_DOCUMENT_BYTES) chunks = undefined;
          chunks?.push(chunk);
          done();
        },
      }),
    );
    return chunks ? Buffer.concat(chunks) : undefined;
  }
}
