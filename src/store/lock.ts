import lockfile from 'proper-lockfile';
import { FerryError } from '../errors.js';

/**
 * Inter-process locks, by proper-lockfile: a lock is a directory created with mkdir (atomic on every local and
 * network filesystem, unlike O_EXCL on old NFS) whose mtime the holder refreshes every STALE_MS/2. A lock whose
 * mtime is older than STALE_MS belongs to a process that died, and the next locker takes it over; so a crashed
 * ferry never wedges the store and nobody has to guess from a pid whether its owner (maybe on another host) lives.
 */
const STALE_MS = 10_000;
/** How long a writer waits for another one before giving up; index.json updates take milliseconds. */
const WAIT_MS = 120_000;

export type Release = () => Promise<void>;

/** Holds the lock at `lockPath` while `fn` runs. */
export async function withLock<T>(lockPath: string, fn: () => Promise<T>): Promise<T> {
  const release = await acquireLock(lockPath);
  let result: T;
  try {
    result = await fn();
  } catch (err) {
    await release().catch(() => undefined);
    throw err;
  }
  await release();
  return result;
}

/**
 * Takes the lock at `lockPath`, waiting (with jittered backoff) while another process holds it. The returned
 * release fails with ERR_LOCKED if the lock was lost meanwhile (its refresh failed, or a peer judged it stale),
 * because then what was done under it may have raced with another writer.
 */
export async function acquireLock(lockPath: string, waitMs = WAIT_MS): Promise<Release> {
  const deadline = Date.now() + waitMs;
  let compromised: Error | undefined;
  let delay = 2;
  for (;;) {
    try {
      const unlock = await lockfile.lock(lockPath, {
        lockfilePath: lockPath,
        realpath: false,
        stale: STALE_MS,
        onCompromised: (err) => {
          compromised = err;
        },
      });
      return async () => {
        if (compromised) throw lockLost(lockPath, compromised);
        await unlock();
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') throw err;
      if (Date.now() >= deadline) {
        throw new FerryError('ERR_LOCKED', `${lockPath} is held by another ferry process`, {
          path: lockPath,
          hint: 'wait for the other ferry command to finish and retry',
          cause: err,
        });
      }
      await new Promise((resolve) => setTimeout(resolve, delay + Math.random() * delay));
      delay = Math.min(delay * 2, 100);
    }
  }
}

/** Whether a live process holds the lock at `lockPath` (a stale lock counts as free). */
export async function isLocked(lockPath: string): Promise<boolean> {
  return lockfile.check(lockPath, { lockfilePath: lockPath, realpath: false, stale: STALE_MS });
}

function lockLost(lockPath: string, cause: Error): FerryError {
  return new FerryError('ERR_LOCKED', `lost the lock ${lockPath} while holding it: ${cause.message}`, {
    path: lockPath,
    hint: 'another process took the lock over (was this one stalled for more than 10 s?); check the store with `ferry images` and retry',
    cause,
  });
}
