import { lstat, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { FerryError } from '../errors.js';
import { isDigest } from '../oci/digest.js';

/**
 * Path safety for layer entries. Two rules keep every write inside the rootfs:
 *
 * 1. An entry name is cleaned lexically; absolute names count from the rootfs root, and a `..` that would climb
 *    above it is rejected (containerd answers the same with "path … is outside of root").
 * 2. Symlinks already on disk along the path are resolved as if the rootfs were `/` (containerd `fs.RootPath`,
 *    securejoin): an absolute target restarts at the rootfs root and `..` stops there, so a link to `../../etc`
 *    leads to `<rootfs>/etc`, never to the host's.
 *
 * The final component is never followed by these functions: callers replace what is there instead of writing
 * through it.
 */

/** Which layer and entry a path belongs to, for messages. */
export interface EntryLabel {
  /** The layer: its digest, or a name for messages. */
  where: string;
  /** The entry name as written in the tar. */
  entry: string;
}

/** Linux gives up after 40 links; a layer has no reason to need more. */
const MAX_SYMLINKS = 40;

/** Splits an entry name into clean components relative to the rootfs root; `[]` is the root itself. */
export function entryComponents(name: string, label: EntryLabel): string[] {
  if (name.includes('\0')) throw unsafePath(label, 'contains a NUL byte');
  const out: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length === 0) throw unsafePath(label, 'is outside of the root');
      out.pop();
      continue;
    }
    out.push(part);
  }
  return out;
}

/**
 * Resolves `components` (from entryComponents) under `root`, following every symlink found on disk inside the
 * root's scope. Returns an absolute path that is lexically inside `root` and whose existing part has no symlinks.
 */
export async function resolveInRoot(root: string, components: readonly string[], label: EntryLabel): Promise<string> {
  const resolved: string[] = [];
  // A stack of what is left to walk: the last element is the next component.
  const pending = [...components].reverse();
  let followed = 0;
  while (pending.length > 0) {
    const part = pending.pop()!;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      // `..` at the root stays at the root, as it does at `/` in the container.
      resolved.pop();
      continue;
    }
    const candidate = join(root, ...resolved, part);
    const stat = await lstatOrUndefined(candidate);
    if (stat?.isSymbolicLink()) {
      if (++followed > MAX_SYMLINKS) throw unsafePath(label, 'goes through too many levels of symbolic links');
      const target = await readlink(candidate);
      if (target.startsWith('/')) resolved.length = 0;
      for (const next of target.split('/').reverse()) pending.push(next);
      continue;
    }
    resolved.push(part);
  }
  return join(root, ...resolved);
}

/**
 * Where an entry itself goes: its parent resolved in the root's scope, then its own name unresolved (so an
 * existing symlink of that name is replaced, not written through). `undefined` for the root itself.
 */
export async function resolveEntryPath(root: string, components: readonly string[], label: EntryLabel): Promise<string | undefined> {
  if (components.length === 0) return undefined;
  const parent = await resolveInRoot(root, components.slice(0, -1), label);
  return join(parent, components[components.length - 1]!);
}

export function unsafePath(label: EntryLabel, why: string): FerryError {
  return new FerryError('ERR_UNSAFE_PATH', `layer ${label.where}: entry ${JSON.stringify(label.entry)} ${why}`, {
    path: label.entry,
    ...(isDigest(label.where) ? { digest: label.where } : {}),
    hint: 'the layer is corrupt or hostile; the entry was refused before anything was written for it — do not use this image',
  });
}

/** lstat, or undefined when nothing is there (a missing name, or a file where a directory was expected). */
export async function lstatOrUndefined(path: string) {
  try {
    return await lstat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}
