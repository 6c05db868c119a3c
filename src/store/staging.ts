import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { FerryError } from '../errors.js';
import type { Descriptor } from '../oci/descriptor.js';
import { parseDigest } from '../oci/digest.js';
import type { BlobSink } from '../oci/transport.js';
import { fsyncDir } from './atomic.js';
import { BackgroundFsyncs } from './blob-durability.js';
import { BlobDirectory, blobMissing, drainVerified, type BlobReader } from './blobs.js';
import { acquireLock, type Release } from './lock.js';
import { upsertEntries, type ImageRecord } from './records.js';
import type { Store } from './store.js';

export interface CommitOptions {
  /** Blobs the committed images need: moved into the store if staged, else they must already be there. */
  keep: Iterable<string>;
  records: ImageRecord[];
}

/** A held staging lock tells gc the area is in use; a dead owner's lock goes stale and gc removes the area. */
export function stagingLockPath(stagingDir: string): string {
  return `${stagingDir}.lock`;
}

export const STAGING_PREFIX = 'stage-';

/**
 * An import in progress: blobs land in `ingest/stage-<random>/` and become part of the store only when `commit`
 * moves the kept ones into blobs/ and writes the records, both under the store lock, so no reader ever sees a
 * half-imported image and gc can neither race the move nor reap blobs a new record needs. Reads also see the
 * store's blobs, so a delta import can refer to layers the store already has without copying them.
 */
export class Staging implements BlobSink, BlobReader {
  private closed = false;

  private constructor(
    private readonly store: Store,
    readonly dir: string,
    private readonly staged: BlobDirectory,
    private readonly fsyncs: BackgroundFsyncs,
    private readonly release: Release,
  ) {}

  static async create(store: Store): Promise<Staging> {
    const dir = join(store.paths.ingest, `${STAGING_PREFIX}${process.pid}-${randomBytes(8).toString('hex')}`);
    // Lock before the directory exists, so gc never sees an unlocked staging directory that is in use.
    const release = await acquireLock(stagingLockPath(dir), 0);
    try {
      await mkdir(join(dir, 'blobs'), { recursive: true });
    } catch (err) {
      await release();
      throw err;
    }
    // A staged blob needs to be durable only when the area commits: the disk flushes it while the next is read.
    const fsyncs = new BackgroundFsyncs();
    return new Staging(store, dir, new BlobDirectory(join(dir, 'blobs'), dir, fsyncs), fsyncs, release);
  }

  async stat(digest: string): Promise<{ size: number } | undefined> {
    this.checkOpen();
    return (await this.staged.stat(digest)) ?? this.store.stat(digest);
  }

  async has(desc: Pick<Descriptor, 'digest' | 'size'>): Promise<boolean> {
    this.checkOpen();
    return (await this.staged.has(desc)) || this.store.has(desc);
  }

  async fetch(desc: Pick<Descriptor, 'digest'>): Promise<Readable> {
    this.checkOpen();
    return (await this.staged.stat(desc.digest)) ? this.staged.fetch(desc) : this.store.fetch(desc);
  }

  async readDocument(desc: Pick<Descriptor, 'digest' | 'size'>, max?: number): Promise<Buffer> {
    this.checkOpen();
    return (await this.staged.stat(desc.digest)) ? this.staged.readDocument(desc, max) : this.store.readDocument(desc, max);
  }

  async write(desc: Pick<Descriptor, 'digest' | 'size'>, stream: Readable): Promise<void> {
    this.checkOpen();
    if (await this.store.has(desc)) return drainVerified(desc, stream);
    return this.staged.write(desc, stream);
  }

  async writeUnknown(stream: Readable): Promise<{ digest: string; size: number }> {
    this.checkOpen();
    return this.staged.writeUnknown(stream);
  }

  /**
   * Moves the kept blobs into the store and puts the records, in one critical section of the store lock.
   * Fails with ERR_BLOB_MISSING, changing nothing, when a kept blob or a record's target is neither staged nor
   * stored, and with ERR_STORE, changing nothing, when a staged blob could not be flushed to disk. Staged blobs
   * not kept are dropped. The staging area is gone afterwards, whatever the outcome.
   */
  async commit({ keep, records }: CommitOptions): Promise<void> {
    this.checkOpen();
    const wanted = new Set(keep);
    try {
      // Every staged blob's bytes are on disk before the first rename makes one part of the store.
      await this.fsyncs.settle();
      await this.store.updateIndex(async (entries) => {
        const moves: string[] = [];
        const needed = new Set([...wanted, ...records.map((record) => record.target.digest)]);
        for (const digest of needed) {
          parseDigest(digest);
          if (wanted.has(digest) && (await this.staged.stat(digest))) moves.push(digest);
          else if (!(await this.store.stat(digest))) throw blobMissing(digest, this.store.blobPath(digest));
        }
        const dirs = new Set<string>();
        for (const digest of moves) {
          const target = this.store.blobPath(digest);
          await mkdir(dirname(target), { recursive: true });
          // Replacing a blob another import added meanwhile is harmless: same digest, same bytes.
          await rename(this.staged.blobPath(digest), target);
          dirs.add(dirname(target));
        }
        // The blobs' names must be durable before index.json names images that need them.
        for (const dir of dirs) await fsyncDir(dir);
        return upsertEntries(entries, records);
      });
    } finally {
      await this.close();
    }
  }

  /** Drops everything staged; the store is unchanged. */
  async abort(): Promise<void> {
    if (!this.closed) await this.close();
  }

  private async close(): Promise<void> {
    this.closed = true;
    try {
      // No fsync outlives the area: its fd is closed and its failure (reported by commit, if anyone asked) handled.
      await this.fsyncs.settle().catch(() => undefined);
      await rm(this.dir, { recursive: true, force: true });
    } finally {
      // A staging lock lost meanwhile (gc judged it stale) needs no report here: commit checked every blob it
      // moved under the store lock, and an abort wanted the area gone anyway.
      await this.release().catch(() => undefined);
    }
  }

  private checkOpen(): void {
    if (this.closed) {
      throw new FerryError('ERR_STORE', `staging area ${this.dir} was already committed or aborted`, {
        path: this.dir,
        hint: 'this is a bug in the caller: start a new import with store.stage()',
      });
    }
  }
}
