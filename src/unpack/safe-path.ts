import { lstatSync, mkdirSync, readlinkSync, type Stats } from 'node:fs';
import { normalize } from 'node:path';
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
const S_ISGID = 0o2000;

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

/** A directory inside the rootfs: its real path (no symlinks in it) and whether new children inherit its group. */
export interface ResolvedDirectory {
  path: string;
  setgid: boolean;
}

/** What is known to be at a real path: a directory, or a symlink and its target. Anything else is not recorded. */
type Known = { kind: 'directory'; setgid: boolean } | { kind: 'symlink'; target: string };

/**
 * Resolves entry paths under one rootfs with synchronous calls and remembers what it learnt, so that a layer of
 * tens of thousands of entries costs one lookup per entry instead of an lstat per path component.
 *
 * Two caches, both valid only while this resolver is told of every change this layer makes:
 * - `known`: real path → directory or symlink target, seen on disk or created by this layer;
 * - `directories`: an entry's parent, by its cleaned components, → the directory it resolved to.
 * A removal (a replaced path, a whiteout, an opaque marker) forgets everything, since a whole tree may be gone. A new
 * symlink forgets the resolved parents: a lookup that walked a missing name and then `..` (`x/../y`) would
 * now follow the link. Nothing else changes how a path resolves — a new directory or file where nothing was
 * resolves the same under these rules — so per entry the work is bounded by the 40-link limit, not by the layer.
 */
export class RootResolver {
  private readonly root: string;
  /** The root as a prefix for `/name`: empty for `/` itself. */
  private readonly base: string;
  private readonly known = new Map<string, Known>();
  private readonly directories = new Map<string, ResolvedDirectory>();

  constructor(root: string) {
    const clean = normalize(root);
    this.root = clean.length > 1 && clean.endsWith('/') ? clean.slice(0, -1) : clean;
    this.base = this.root === '/' ? '' : this.root;
  }

  /**
   * Resolves `components` (from entryComponents) under the root, following every symlink found on disk inside
   * the root's scope. Returns an absolute path that is lexically inside the root and whose existing part has no
   * symlinks.
   */
  resolve(components: readonly string[], label: EntryLabel): string {
    // paths[i]: the real path after i resolved components; paths[0] is the root.
    const paths = [this.root];
    // A stack of what is left to walk: the last element is the next component.
    const pending = [...components].reverse();
    let followed = 0;
    while (pending.length > 0) {
      const part = pending.pop()!;
      if (part === '' || part === '.') continue;
      if (part === '..') {
        // `..` at the root stays at the root, as it does at `/` in the container.
        if (paths.length > 1) paths.pop();
        continue;
      }
      const candidate = `${paths.length === 1 ? this.base : paths[paths.length - 1]}/${part}`;
      const found = this.lookup(candidate);
      if (found?.kind === 'symlink') {
        if (++followed > MAX_SYMLINKS) throw unsafePath(label, 'goes through too many levels of symbolic links');
        if (found.target.startsWith('/')) paths.length = 1;
        const parts = found.target.split('/');
        for (let i = parts.length - 1; i >= 0; i--) pending.push(parts[i]!);
        continue;
      }
      paths.push(candidate);
    }
    return paths[paths.length - 1]!;
  }

  /**
   * Where an entry itself goes: its parent resolved in the root's scope, then its own name unresolved (so an
   * existing symlink of that name is replaced, not written through). `undefined` for the root itself.
   */
  entryPath(components: readonly string[], label: EntryLabel): string | undefined {
    if (components.length === 0) return undefined;
    const parent = this.directories.get(parentKey(components))?.path ?? this.resolve(components.slice(0, -1), label);
    return `${parent === '/' ? '' : parent}/${components[components.length - 1]!}`;
  }

  /** The entry's parent directory, resolved and created (mode 0755, as tar does) when missing. */
  parentDirectory(components: readonly string[], label: EntryLabel): ResolvedDirectory {
    const key = parentKey(components);
    const cached = this.directories.get(key);
    if (cached) return cached;
    const path = this.resolve(components.slice(0, -1), label);
    let found = this.lookup(path);
    if (found?.kind !== 'directory') {
      // Missing, or something else (then mkdir fails with EEXIST/ENOTDIR: the layer conflicts with the ones below).
      mkdirSync(path, { recursive: true, mode: 0o755 });
      found = this.lookup(path);
      if (found?.kind !== 'directory') throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${path}'`), { code: 'ENOTDIR' });
    }
    const dir = { path, setgid: found.setgid };
    this.directories.set(key, dir);
    return dir;
  }

  /** This layer made a directory for the entry `components` at `path`. */
  addedDirectory(components: readonly string[], path: string, setgid: boolean): void {
    this.known.set(path, { kind: 'directory', setgid });
    this.directories.set(components.join('/'), { path, setgid });
  }

  /** This layer made a symlink (or a hardlink to one) at `path`. */
  addedSymlink(path: string, target: string): void {
    this.known.set(path, { kind: 'symlink', target });
    this.directories.clear();
  }

  /** Something was removed: a whole tree may be gone, so nothing learnt so far holds. */
  removed(): void {
    this.known.clear();
    this.directories.clear();
  }

  private lookup(path: string): Known | undefined {
    const cached = this.known.get(path);
    if (cached) return cached;
    const stat = lstatOrUndefined(path);
    let found: Known | undefined;
    if (stat?.isSymbolicLink()) found = { kind: 'symlink', target: readlinkSync(path) };
    else if (stat?.isDirectory()) found = { kind: 'directory', setgid: (stat.mode & S_ISGID) !== 0 };
    if (found) this.known.set(path, found);
    return found;
  }
}

function parentKey(components: readonly string[]): string {
  return components.slice(0, -1).join('/');
}

/** resolveInRoot for one path, with nothing remembered (see RootResolver for the rules). */
export async function resolveInRoot(root: string, components: readonly string[], label: EntryLabel): Promise<string> {
  return new RootResolver(root).resolve(components, label);
}

/** resolveEntryPath for one path, with nothing remembered (see RootResolver.entryPath). */
export async function resolveEntryPath(root: string, components: readonly string[], label: EntryLabel): Promise<string | undefined> {
  return new RootResolver(root).entryPath(components, label);
}

export function unsafePath(label: EntryLabel, why: string): FerryError {
  return new FerryError('ERR_UNSAFE_PATH', `layer ${label.where}: entry ${JSON.stringify(label.entry)} ${why}`, {
    path: label.entry,
    ...(isDigest(label.where) ? { digest: label.where } : {}),
    hint: 'the layer is corrupt or hostile; the entry was refused before anything was written for it — do not use this image',
  });
}

/** lstat, or undefined when nothing is there (a missing name, or a file where a directory was expected). */
export function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}
