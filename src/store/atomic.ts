import { randomBytes } from 'node:crypto';
import { link, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** A name for a temp file that no other writer (thread, process or host on a shared disk) will pick. */
export function tempName(prefix = 'tmp'): string {
  return `${prefix}-${process.pid}-${randomBytes(8).toString('hex')}`;
}

/** Flushes a directory so a rename inside it survives a crash, not only the renamed file's bytes. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Replaces `path` with `bytes` so readers see either the old or the new content, never a mix: write a temp
 * file beside it, fsync, rename over, fsync the directory.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const temp = await writeTempBeside(path, bytes);
  try {
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  await fsyncDir(dirname(path));
}

/**
 * Creates `path` with `bytes` unless it already exists; returns whether it did. The complete file is linked into
 * place (link fails on an existing name), so a concurrent creator can neither see a half-written file nor
 * overwrite content another process has written since.
 */
export async function createFileExclusive(path: string, bytes: Uint8Array): Promise<boolean> {
  const temp = await writeTempBeside(path, bytes);
  try {
    try {
      await link(temp, path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
  } finally {
    await rm(temp, { force: true });
  }
  await fsyncDir(dirname(path));
  return true;
}

/** Writes `bytes` to a fresh temp file in `path`'s directory (so a rename or link onto `path` stays on one filesystem) and fsyncs it. */
async function writeTempBeside(path: string, bytes: Uint8Array): Promise<string> {
  const temp = join(dirname(path), `.${basename(path)}.${tempName()}`);
  try {
    const handle = await open(temp, 'wx', 0o644);
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  return temp;
}
