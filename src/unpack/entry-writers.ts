import {
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  futimesSync,
  linkSync,
  lchownSync,
  lutimesSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  type Stats,
  symlinkSync,
  writeSync,
} from 'node:fs';
import { lstatOrUndefined } from './safe-path.js';

/**
 * Creates one filesystem object per tar entry at a path already checked by safe-path. Every writer creates a
 * new object (never opens an existing one: O_EXCL, mkdir, symlink and link all fail on an existing name), so an
 * existing symlink or a hardlink shared with a lower layer's file can never be written through; the caller clears
 * the path and retries only when the name exists.
 *
 * The calls are synchronous on purpose: an unpack is tens of thousands of tiny calls, and an asynchronous call
 * costs a round trip through libuv's thread pool that is many times the call itself. Decompression and hashing
 * still run beside them (zlib on the pool, the tar parser between entries).
 */

export interface EntryAttributes {
  /** Permission bits, already filtered (no setuid/setgid unless running as root). */
  mode: number;
  uid: number;
  gid: number;
  mtime: Date;
  /** Set ownership: running as root and the new object would not already have it. */
  chown: boolean;
}

/**
 * Makes room for an entry at `path`: whatever is there is removed (a symlink itself, never its target),
 * except a directory meeting a directory entry, which is kept so the layers merge. Returns what was there (kept
 * or removed), if anything.
 */
export function clearPath(path: string, isDirectoryEntry: boolean): { existing?: Stats; kept: boolean } {
  const existing = lstatOrUndefined(path);
  if (!existing) return { kept: false };
  if (isDirectoryEntry && existing.isDirectory()) return { existing, kept: true };
  rmSync(path, { recursive: true, force: true });
  return { existing, kept: false };
}

const CREATE_NEW_FILE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
const PERMISSION_BITS = 0o777;
const OWNER_ALL = 0o700;

/**
 * The mode to create with, and whether it must be set again afterwards: the final mode goes straight into
 * open/mkdir when the umask leaves it whole and it has no setuid/setgid/sticky bit (those are set last, after
 * chown, which clears them). Otherwise the object starts owner-only and gets its mode at the end.
 */
export function creationMode(mode: number, fallback: number): { mode: number; setLater: boolean } {
  const umask = processUmask();
  if (umask === undefined || (mode & ~PERMISSION_BITS) !== 0 || (mode & umask) !== 0) return { mode: fallback, setLater: true };
  return { mode, setLater: false };
}

/** Opens a new file for writing; fails with EEXIST when the name exists (whatever it is). */
export function openNewFile(path: string, mode: number): number {
  return openSync(path, CREATE_NEW_FILE, mode);
}

/** Writes one chunk of a new file's content at the file's current end. */
export function writeContent(fd: number, chunk: Uint8Array): void {
  for (let offset = 0; offset < chunk.length; ) offset += writeSync(fd, chunk, offset, chunk.length - offset);
}

/** Sets a new file's attributes once its content is written, and closes it. */
export function finishRegularFile(fd: number, attrs: EntryAttributes, setMode: boolean): void {
  try {
    // chown clears setuid/setgid, so it goes before chmod.
    if (attrs.chown) fchownSync(fd, attrs.uid, attrs.gid);
    if (setMode) fchmodSync(fd, attrs.mode);
    futimesSync(fd, attrs.mtime, attrs.mtime);
  } finally {
    closeSync(fd);
  }
}

/**
 * Creates a directory; fails with EEXIST when the name exists. Its mode (when not given at creation) and mtime
 * are set by finishDirectory once the layer is done, so a read-only directory can still be filled and the
 * children written into it do not change its mtime afterwards.
 */
export function makeDirectory(path: string, mode: number): void {
  mkdirSync(path, { mode });
}

export function chownDirectory(path: string, attrs: EntryAttributes): void {
  if (attrs.chown) lchownSync(path, attrs.uid, attrs.gid);
}

/** Directories start owner-only unless the final mode keeps them writable and searchable for their owner. */
export function directoryCreationMode(mode: number): { mode: number; setLater: boolean } {
  const planned = creationMode(mode, OWNER_ALL);
  return (planned.mode & OWNER_ALL) === OWNER_ALL ? planned : { mode: OWNER_ALL, setLater: true };
}

/**
 * Sets a directory's final mode and mtime. Opened with O_NOFOLLOW|O_DIRECTORY: if a later entry of the same
 * layer replaced the directory with something else (a symlink, say), nothing is changed.
 */
export function finishDirectory(path: string, attrs: EntryAttributes, setMode: boolean): void {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP') return;
    throw err;
  }
  try {
    if (setMode) fchmodSync(fd, attrs.mode);
    futimesSync(fd, attrs.mtime, attrs.mtime);
  } finally {
    closeSync(fd);
  }
}

/** Any target text is allowed: the link itself is inside the rootfs, and safe-path never follows it outward. */
export function makeSymlink(path: string, target: string): void {
  symlinkSync(target, path);
}

export function finishSymlink(path: string, attrs: EntryAttributes): void {
  if (attrs.chown) lchownSync(path, attrs.uid, attrs.gid);
  lutimesSync(path, attrs.mtime, attrs.mtime);
}

/**
 * What a hardlink may link to: `source` (a path resolved inside the rootfs whose last component was not followed,
 * so a link to a symlink links the symlink, as link(2) does) must exist and must not be a directory.
 */
export function hardlinkSource(source: string): 'missing' | 'directory' | Stats {
  const existing = lstatOrUndefined(source);
  if (!existing) return 'missing';
  if (existing.isDirectory()) return 'directory';
  return existing;
}

export function makeHardlink(path: string, source: string): void {
  linkSync(source, path);
}

let umask: number | undefined | null = null;

/**
 * The process umask, read once from /proc (process.umask() can only read it by changing it). Undefined where
 * there is no /proc: then every mode is set explicitly.
 */
function processUmask(): number | undefined {
  if (umask === null) {
    try {
      const match = /^Umask:\s*([0-7]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
      umask = match ? parseInt(match[1]!, 8) : undefined;
    } catch {
      umask = undefined;
    }
  }
  return umask;
}
