import { FerryError } from '../errors.js';

/**
 * The `org.opencontainers.image.title` of an artifact layer names the file it becomes (as CRI-O and oras treat
 * it). It comes from whoever built the artifact, so it is one plain file name or nothing: no separators, no
 * `.`/`..`, no NUL, nothing absolute. Checked when packing (a file's basename) and again when extracting.
 */
export function checkTitle(title: string, where: string): string {
  const why =
    title === '' ? 'is empty'
    : title === '.' || title === '..' ? 'names a directory'
    : title.includes('/') || title.includes('\\') ? 'contains a path separator'
    : title.includes('\0') ? 'contains a NUL byte'
    : Buffer.byteLength(title) > 255 ? 'is longer than 255 bytes'
    : undefined;
  if (why === undefined) return title;
  throw new FerryError('ERR_UNSAFE_PATH', `${where}: title ${JSON.stringify(title.slice(0, 160))} ${why}`, {
    path: title,
    hint: 'an artifact layer title must be a plain file name (no "/", "..", or absolute path); the artifact is corrupt or hostile',
  });
}
