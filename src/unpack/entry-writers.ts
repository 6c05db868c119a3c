import { constants } from 'node:fs';
import { type FileHandle, lchown, link, lutimes, mkdir, open, rm, symlink } from 'node:fs/promises';
import { lstatOrUndefined } from './safe-path.js';

/**
 * Creates one filesystem object per tar entry at a path already checked by safe-path. Every writer creates a
 * new object (never opens an existing one), so an existing symlink or a hardlink shared with a lower layer's
 * file can never be written through.
 */

export interface EntryAttributes {
  /** Permission bits, already filtered (no setuid/setgid unless running as root). */
  mode: number;
  uid: number;
  gid: number;
  mtime: Date;
}

/**
 * Makes room for an entry at `path`: whatever is there is removed (a symlink itself, never its target),
 * except a directory meeting a directory entry, which is kept so the layers merge. Returns whether a
 * directory was kept.
 */
export async function clearPath(path: string, isDirectoryEntry: boolean): Promise<boolean> {
  const existing = await lstatOrUndefined(path);
  if (!existing) return false;
  if (isDirectoryEntry && existing.isDirectory()) return true;
  await rm(path, { recursive: true, force: true });
  return false;
}

const CREATE_NEW_FILE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/** Streams `content` into a new file; returns the number of bytes written. */
export async function writeRegularFile(path: string, content: AsyncIterable<Buffer>, attrs: EntryAttributes, chown: boolean): Promise<number> {
  // Readable by nobody else until the final mode is set, after the content is complete.
  const handle = await open(path, CREATE_NEW_FILE, 0o600);
  let bytes = 0;
  try {
    for await (const chunk of content) {
      await writeAll(handle, chunk);
      bytes += chunk.length;
    }
    // chown clears setuid/setgid, so it goes before chmod.
    if (chown) await handle.chown(attrs.uid, attrs.gid);
    await handle.chmod(attrs.mode);
    await handle.utimes(attrs.mtime, attrs.mtime);
  } finally {
    await handle.close();
  }
  return bytes;
}

/**
 * Creates a directory (unless one was kept) owner-accessible only; its real mode and mtime are set by
 * finishDirectory once the layer is done, so a read-only directory can still be filled and the children
 * written into it do not change its mtime afterwards.
 */
export async function makeDirectory(path: string, kept: boolean, attrs: EntryAttributes, chown: boolean): Promise<void> {
  if (!kept) await mkdir(path, { mode: 0o700 });
  if (chown) await lchown(path, attrs.uid, attrs.gid);
}

/**
 * Sets a directory's final mode and mtime. Opened with O_NOFOLLOW|O_DIRECTORY: if a later entry of the same
 * layer replaced the directory with something else (a symlink, say), nothing is changed.
 */
export async function finishDirectory(path: string, attrs: EntryAttributes): Promise<void> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP') return;
    throw err;
  }
  try {
    await handle.chmod(attrs.mode);
    await handle.utimes(attrs.mtime, attrs.mtime);
  } finally {
    await handle.close();
  }
}

/** Any target text is allowed: the link itself is inside the rootfs, and safe-path never follows it outward. */
export async function makeSymlink(path: string, target: string, attrs: EntryAttributes, chown: boolean): Promise<void> {
  await symlink(target, path);
  if (chown) await lchown(path, attrs.uid, attrs.gid);
  await lutimes(path, attrs.mtime, attrs.mtime);
}

/**
 * Links `path` to `source` (a path resolved inside the rootfs whose last component was not followed, so a
 * link to a symlink links the symlink, as link(2) does). The source must exist and must not be a directory.
 */
export async function makeHardlink(path: string, source: string): Promise<'linked' | 'missing' | 'directory'> {
  const existing = await lstatOrUndefined(source);
  if (!existing) return 'missing';
  if (existing.isDirectory()) return 'directory';
  await link(source, path);
  return 'linked';
}

async function writeAll(handle: FileHandle, chunk: Buffer): Promise<void> {
  for (let offset = 0; offset < chunk.length; ) {
    const { bytesWritten } = await handle.write(chunk, offset, chunk.length - offset);
    offset += bytesWritten;
  }
}
