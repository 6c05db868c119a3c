import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

/** One entry of an unpacked root filesystem, as the comparison sees it. */
export interface TreeEntry {
  type: 'file' | 'dir' | 'symlink' | 'other';
  /** Permission bits including setuid, setgid and sticky. */
  mode: number;
  uid: number;
  gid: number;
  size?: number;
  sha256?: string;
  target?: string;
  /** For a file with more than one link: the first path (in sorted order) of its hardlink group. */
  hardlinkGroup?: string;
}

/** A root filesystem as path (relative, `/`-separated) → entry; the root itself is left out. */
export type Tree = Record<string, TreeEntry>;

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/** Reads a directory tree entry by entry: type, mode, owner, size, content hash, link target, hardlink grouping. */
export async function readTree(root: string): Promise<Tree> {
  const tree: Tree = {};
  const inodes = new Map<string, string>();
  const walk = async (rel: string): Promise<void> => {
    const names = (await readdir(join(root, rel))).sort();
    for (const name of names) {
      const path = rel ? `${rel}/${name}` : name;
      const full = join(root, path);
      const st = await lstat(full);
      const base = { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
      if (st.isDirectory()) {
        tree[path] = { type: 'dir', ...base };
        await walk(path);
      } else if (st.isSymbolicLink()) {
        tree[path] = { type: 'symlink', ...base, target: await readlink(full) };
      } else if (st.isFile()) {
        const entry: TreeEntry = { type: 'file', ...base, size: st.size, sha256: await sha256File(full) };
        if (st.nlink > 1) {
          const key = `${st.dev}:${st.ino}`;
          const first = inodes.get(key) ?? path;
          inodes.set(key, first);
          entry.hardlinkGroup = first;
        }
        tree[path] = entry;
      } else {
        tree[path] = { type: 'other', ...base };
      }
    }
  };
  await walk('');
  return tree;
}

/**
 * The differences between two trees, one line each (empty when equal). Hardlink groups compare by membership,
 * so the group's first path may differ in name only if the same paths are grouped together.
 */
export function diffTrees(actual: Tree, expected: Tree): string[] {
  const out: string[] = [];
  const groups = (tree: Tree): Map<string, string[]> => {
    const g = new Map<string, string[]>();
    for (const [path, e] of Object.entries(tree)) if (e.hardlinkGroup) g.set(e.hardlinkGroup, [...(g.get(e.hardlinkGroup) ?? []), path]);
    return g;
  };
  const actualGroups = groups(actual);
  const expectedGroups = groups(expected);
  for (const path of new Set([...Object.keys(actual), ...Object.keys(expected)])) {
    const a = actual[path];
    const e = expected[path];
    if (!a) {
      out.push(`missing ${path}`);
      continue;
    }
    if (!e) {
      out.push(`unexpected ${path}`);
      continue;
    }
    const { hardlinkGroup: ag, ...aRest } = a;
    const { hardlinkGroup: eg, ...eRest } = e;
    if (JSON.stringify(aRest) !== JSON.stringify(eRest)) out.push(`${path}: ${JSON.stringify(aRest)} != expected ${JSON.stringify(eRest)}`);
    const aMembers = ag ? actualGroups.get(ag)!.join(',') : '';
    const eMembers = eg ? expectedGroups.get(eg)!.join(',') : '';
    if (aMembers !== eMembers) out.push(`${path}: hardlinked with [${aMembers}] != expected [${eMembers}]`);
  }
  return out;
}

/** The tree without the paths a consumer adds on its own (e.g. docker's /.dockerenv, /etc/hosts). */
export function withoutPaths(tree: Tree, drop: (path: string) => boolean): Tree {
  return Object.fromEntries(Object.entries(tree).filter(([path]) => !drop(path)));
}
