import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FerryError } from '../errors.js';
import type { Descriptor } from '../oci/descriptor.js';
import { DigestingStream, parseDigest, shortDigest, VerifyingStream, verifyBytes } from '../oci/digest.js';
import { MAX_DOCUMENT_BYTES } from '../oci/document.js';
import type { BlobSink } from '../oci/transport.js';
import { tempName } from './atomic.js';
import { syncEachBlob, type BlobDurability } from './blob-durability.js';

/** What can be read from a directory of blobs; the store and a staging area (which also sees the store) have it. */
export interface BlobReader {
  has(desc: Pick<Descriptor, 'digest' | 'size'>): Promise<boolean>;
  /** The blob's bytes as they are on disk; wrap in a VerifyingStream to check them. */
  fetch(desc: Pick<Descriptor, 'digest'>): Promise<Readable>;
  /** A small JSON blob (manifest, index, config), read whole and verified against `desc`. */
  readDocument(desc: Pick<Descriptor, 'digest' | 'size'>, max?: number): Promise<Buffer>;
  /** Size on disk, or undefined when absent. */
  stat(digest: string): Promise<{ size: number } | undefined>;
}

/**
 * Content-addressed files `<dir>/<alg>/<hex>`, written through temp files in `tempDir` (same filesystem, so the
 * final rename is atomic). Paths are only ever built from digests that passed parseDigest, which admits nothing
 * but `sha256|sha512` and lower-case hex: no digest can name a file outside `dir`.
 */
export class BlobDirectory implements BlobReader, BlobSink {
  constructor(
    readonly dir: string,
    private readonly tempDir: string,
    private readonly durability: BlobDurability = syncEachBlob,
  ) {}

  blobPath(digest: string): string {
    const { algorithm, hex } = parseDigest(digest);
    return join(this.dir, algorithm, hex);
  }

  async stat(digest: string): Promise<{ size: number } | undefined> {
    try {
      const info = await stat(this.blobPath(digest));
      return info.isFile() ? { size: info.size } : undefined;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  /** True only for a blob of the expected size: a truncated file (disk full, foreign tool) is not "had". */
  async has(desc: Pick<Descriptor, 'digest' | 'size'>): Promise<boolean> {
    return (await this.stat(desc.digest))?.size === desc.size;
  }

  async fetch(desc: Pick<Descriptor, 'digest'>): Promise<Readable> {
    const path = this.blobPath(desc.digest);
    // Open first so a missing blob is a typed error here rather than an 'error' event later.
    const handle = await open(path, 'r').catch((err: NodeJS.ErrnoException) => {
      throw err.code === 'ENOENT' ? blobMissing(desc.digest, path) : err;
    });
    return handle.createReadStream({ highWaterMark: 256 * 1024 });
  }

  async readDocument(desc: Pick<Descriptor, 'digest' | 'size'>, max = MAX_DOCUMENT_BYTES): Promise<Buffer> {
    const path = this.blobPath(desc.digest);
    if (desc.size > max) {
      throw new FerryError('ERR_TOO_LARGE', `document ${shortDigest(desc.digest)} is ${desc.size} bytes, more than the ${max} allowed`, {
        digest: desc.digest,
        path,
        hint: 'the manifest or index is corrupt or hostile',
      });
    }
    const bytes = await readFile(path).catch((err: NodeJS.ErrnoException) => {
      throw err.code === 'ENOENT' ? blobMissing(desc.digest, path) : err;
    });
    verifyBytes(bytes, desc, path);
    return bytes;
  }

  /**
   * Streams the blob to a temp file, verifying digest and size on the way, flushes it (see BlobDurability) and
   * renames it into place.
   * Concurrent writers of one blob each write their own temp file; the renames are atomic and the content is
   * the same, so the last one wins harmlessly. A blob already present is not rewritten, but the stream is still
   * consumed and verified, so a caller reading an archive in one pass can go on to the next entry.
   */
  async write(desc: Pick<Descriptor, 'digest' | 'size'>, stream: Readable): Promise<void> {
    const target = this.blobPath(desc.digest);
    if (await this.has(desc)) return drainVerified(desc, stream);
    await this.ingest(stream, new VerifyingStream(desc), () => target);
  }

  /** Stores a stream of unknown content under its sha256 digest. */
  async writeUnknown(stream: Readable): Promise<{ digest: string; size: number }> {
    const digesting = new DigestingStream('sha256');
    await this.ingest(stream, digesting, () => this.blobPath(digesting.digest.digest));
    return digesting.digest;
  }

  private async ingest(stream: Readable, check: DigestingStream | VerifyingStream, target: () => string): Promise<void> {
    const temp = join(this.tempDir, tempName('blob'));
    try {
      const handle = await open(temp, 'wx', 0o644);
      await pipeline(stream, check, handle.createWriteStream({ highWaterMark: 256 * 1024 }));
      const path = target();
      await this.durability.flush(temp, path);
      await mkdir(dirname(path), { recursive: true });
      await rename(temp, path);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
  }
}

export function blobMissing(digest: string, path: string): FerryError {
  return new FerryError('ERR_BLOB_MISSING', `blob ${shortDigest(digest)} is not in the store`, {
    digest,
    path,
    hint: 'the image is incomplete; import or pull it again',
  });
}

/** Consumes a blob that is not needed (already stored), still failing on content that does not match. */
export async function drainVerified(desc: Pick<Descriptor, 'digest' | 'size'>, stream: Readable): Promise<void> {
  await pipeline(stream, new VerifyingStream(desc), new Writable({ write: (_chunk, _enc, done) => done() }));
}
