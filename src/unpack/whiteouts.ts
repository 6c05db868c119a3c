import { mkdir, readdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type EntryLabel, resolveInRoot, unsafePath } from './safe-path.js';

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

  has(path: string): boolean {
    return this.paths.has(path);
  }
}

/** Removes `<parent>/<name>` for the whiteout `components` (whose last element is `.wh.<name>`). */
export async function applyWhiteout(root: string, components: readonly string[], label: EntryLabel): Promise<void> {
  const original = components[components.length - 1]!.slice(WHITEOUT_PREFIX.length);
  // `.wh..` would name the parent directory itself; containerd rejects it as an invalid whiteout.
  if (original === '' || original === '.' || original === '..') throw unsafePath(label, 'is a whiteout that names no file');
  const parent = await resolveInRoot(root, components.slice(0, -1), label);
  // rm removes a symlink itself, never what it points to.
  await rm(join(parent, original), { recursive: true, force: true });
}

/**
 * Hides the lower children of the marker's directory: everything under it that this layer did not write is
 * removed. Entries written by this layer later are unaffected, because they do not exist yet.
 */
export async function applyOpaque(root: string, components: readonly string[], written: WrittenPaths, label: EntryLabel): Promise<void> {
  const dir = await resolveInRoot(root, components.slice(0, -1), label);
  // The marker says the directory exists in this layer, even if no entry creates it.
  await mkdir(dir, { recursive: true, mode: 0o755 });
  written.add(dir);
  await pruneLower(dir, written);
}

async function pruneLower(dir: string, written: WrittenPaths): Promise<void> {
  for (const child of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, child.name);
    if (!written.has(path)) await rm(path, { recursive: true, force: true });
    else if (child.isDirectory()) await pruneLower(path, written);
  }
}
