import { Readable } from 'node:stream';
import { FerryError } from '../../src/errors.js';
import type { Descriptor } from '../../src/oci/descriptor.js';
import { digestOf, verifyBytes } from '../../src/oci/digest.js';
import type { BlobSink, ContentSource } from '../../src/oci/transport.js';
import { streamToBuffer } from './tar.js';

/** Content held in memory: a source and a sink for tests. Verifies like a real store. */
export class MemoryContent implements ContentSource, BlobSink {
  readonly blobs = new Map<string, Buffer>();

  constructor(blobs?: Iterable<[string, Buffer]>) {
    if (blobs) for (const [d, b] of blobs) this.blobs.set(d, b);
  }

  async has(desc: Pick<Descriptor, 'digest'>): Promise<boolean> {
    return this.blobs.has(desc.digest);
  }

  async fetch(desc: Descriptor): Promise<Readable> {
    const bytes = this.blobs.get(desc.digest);
    if (!bytes) throw new FerryError('ERR_BLOB_MISSING', `blob ${desc.digest} not found`, { digest: desc.digest });
    return Readable.from([bytes]);
  }

  async write(desc: Descriptor, stream: Readable): Promise<void> {
    const bytes = await streamToBuffer(stream);
    verifyBytes(bytes, desc);
    this.blobs.set(desc.digest, bytes);
  }

  async writeUnknown(stream: Readable): Promise<{ digest: string; size: number }> {
    const bytes = await streamToBuffer(stream);
    const digest = digestOf(bytes);
    this.blobs.set(digest, bytes);
    return { digest, size: bytes.length };
  }

  /** Adds bytes and returns their descriptor. */
  put(mediaType: string, bytes: Buffer | string, extra: Partial<Descriptor> = {}): Descriptor {
    const buf = Buffer.from(bytes);
    const digest = digestOf(buf);
    this.blobs.set(digest, buf);
    return { mediaType, digest, size: buf.length, ...extra };
  }
}

/** A sink that counts every byte written to it. */
export class CountingSink extends MemoryContent {
  written = 0;
  override async write(desc: Descriptor, stream: Readable): Promise<void> {
    return super.write(desc, this.count(stream));
  }
  override async writeUnknown(stream: Readable): Promise<{ digest: string; size: number }> {
    return super.writeUnknown(this.count(stream));
  }
  private count(stream: Readable): Readable {
    stream.on('data', (chunk: Buffer) => (this.written += chunk.length));
    return stream;
  }
}
