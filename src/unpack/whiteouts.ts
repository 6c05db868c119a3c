import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type EntryLabel, type RootResolver, unsafePath } from './safe-path.js';

/**
 * OCI whiteouts (image-spec layer.md, inherited from AUFS): `.wh.<name>` deletes `<name>` of lower layers;
 * `.wh..wh..opq` hides every lower child of its directory. Other `.wh..wh.*` names are AUFS bookkeeping
 * (hardlink dirs) that never belongs in a layer; they are dropped, as Docker does.
 */
export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';
const META_PREFIX = '.wh..wh.';

export type WhiteoutKind = 'none' | 'whiteout' | 'opaque' | 'meta';

export function whiteoutKind(base: string): WhiteoutKind {
  if (!base.startsWith(WHITEOUT_PREFIX)) return 'none';
  if (base === OPAQUE_MARKER) return 'opaque';
  if (base.startsWith(META_PREFIX)) return 'meta';
  return 'whiteout';
}

/**
 * Every path this layer has written, with all its ancestors, so an opaque marker can remove lower content
 * and keep this layer's, whatever order the entries come in (containerd's `unpackedPaths`). Ancestors count
 * because a layer may write `a/b/c` without an entry for `a/b`; the directory then holds this layer's file.
 */
export class WrittenPaths {
  private readonly paths = new Set<string>();

  constructor(private readonly root: string) {}

  add(path: string): void {
    for (let p = path; p !== this.root && p !== dirname(p) && !this.paths.has(p); p = dirname(p)) this.paths.add(p);
  }

  /** add, for an entry whose real parent directory is known: most entries' parent is already there. */
  addChild(path: string, parent: string): void {
    this.paths.add(path);
    if (!this.paths.has(parent)) this.add(parent);
  }

  has(path: string): boolean {
    return this.paths.has(path);
  }
}

/** Removes `<parent>/<name>` for the whiteout `components` (whose last element is `.wh.<name>`). */
export function applyWhiteout(resolver: RootResolver, components: readonly string[], label: EntryLabel): void {
  const original = components[components.length - 1]!.slice(WHITEOUT_PREFIX.length);
  // `.wh..` would name the parent directory itself; containerd rejects it as an invalid whiteout.
  if (original === '' || original === '.' || original === '..') throw unsafePath(label, 'is a whiteout that names no file');
  const parent = resolver.resolve(components.slice(0, -1), label);
  // rm removes a symlink itself, never what it points to.
  rmSync(join(parent, original), { recursive: true, force: true });
  resolver.removed();
}

/**
 * Hides the lower children of the marker's directory: everything under it that this layer did not write is
 * removed. Entries written by this layer later are unaffected, because they do not exist yet.
 */
export function applyOpaque(resolver: RootResolver, components: readonly string[], written: WrittenPaths, label: EntryLabel): void {
  const dir = resolver.resolve(components.slice(0, -1), label);
  // The marker says the directory exists in this layer, even if no entry creates it.
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  written.add(dir);
  pruneLower(dir, written);
  resolver.removed();
}

function pruneLower(dir: string, written: WrittenPaths): void {
  for (const child of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, child.name);
    if (!written.has(path)) rmSync(path, { recursive: true, force: true });
    else if (child.isDirectory()) pruneLower(path, written);
  }
}
