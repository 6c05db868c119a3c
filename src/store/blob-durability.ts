import { open } from 'node:fs/promises';
import { FerryError } from '../errors.js';

/**
 * How a BlobDirectory makes a written blob's bytes durable before it renames the temp file into place. The store
 * waits for each fsync; a staging area only needs its blobs durable when it commits, so it lets the disk flush
 * them while the next blob is read.
 */
export interface BlobDurability {
  /** Called with the complete temp file, before it is renamed to `blobPath`. */
  flush(tempPath: string, blobPath: string): Promise<void>;
}

/** fsync before going on: blobs written straight into the store (pull, convert, …) are durable when `write` returns. */
export const syncEachBlob: BlobDurability = {
  async flush(tempPath) {
    const handle = await open(tempPath, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
};

/** Pending fsyncs allowed at once: enough to keep the disk busy, few enough that open fds stay bounded. */
export const MAX_PENDING_FSYNCS = 8;

/**
 * Starts each blob's fsync in the background and returns at once, holding at most MAX_PENDING_FSYNCS pending (a further
 * blob waits until one finishes). The fd is opened before the temp file is renamed, so the fsync reaches the inode
 * that was written whatever happens to its name. `settle` waits for all of them and reports the first failure;
 * every later `flush` reports it too, so an import stops early on a failing disk. A pending fsync never rejects
 * on its own, so none goes unhandled.
 */
export class BackgroundFsyncs implements BlobDurability {
  private readonly pending: Promise<void>[] = [];
  private failure: FerryError | undefined;

  async flush(tempPath: string, blobPath: string): Promise<void> {
    // No await between the check and the push: concurrent writers cannot overshoot the bound together.
    while (this.pending.length >= MAX_PENDING_FSYNCS) await Promise.race(this.pending);
    this.throwFailure();
    const opened = open(tempPath, 'r');
    const done: Promise<void> = opened
      .then((handle) => handle.sync().finally(() => handle.close()))
      .then(undefined, (err: unknown) => {
        this.failure ??= fsyncFailed(blobPath, err);
      })
      .finally(() => this.pending.splice(this.pending.indexOf(done), 1));
    this.pending.push(done);
    await opened;
  }

  /** Resolves once every fsync started so far has finished and its fd is closed; throws the first failure. */
  async settle(): Promise<void> {
    while (this.pending.length > 0) await Promise.all(this.pending);
    this.throwFailure();
  }

  private throwFailure(): void {
    if (this.failure) throw this.failure;
  }
}

function fsyncFailed(path: string, cause: unknown): FerryError {
  const reason = (cause as NodeJS.ErrnoException).code ?? String(cause);
  return new FerryError('ERR_STORE', `could not flush staged blob ${path} to disk (${reason})`, {
    path,
    hint: 'the disk failed or is full; nothing was committed: free space or check the disk, then import again',
    cause,
  });
}
