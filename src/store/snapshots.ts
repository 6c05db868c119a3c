import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { chainIDs } from '../oci/chain-ids.js';
import { parseDigest } from '../oci/digest.js';

/**
 * The names unpack gives snapshots under `<root>/snapshots/` (src/unpack/snapshot.ts): the hex of the top
 * chainID, `empty` for an image without layers, and `tmp-*` while one is being built. The store cannot import
 * unpack, so the naming rule is stated again here; test/store/snapshots.test.ts checks the two agree.
 */
export const SNAPSHOTS_DIR = 'snapshots';
const EMPTY_SNAPSHOT = 'empty';
const TEMP_PREFIX = 'tmp-';

/** The snapshot directory name of an image whose config lists these diffIDs. */
export function snapshotName(diffIDs: readonly string[]): string {
  const top = chainIDs(diffIDs).at(-1);
  return top === undefined ? EMPTY_SNAPSHOT : parseDigest(top).hex;
}

/**
 * Removes the snapshots no image uses (`inUse` names them). While an import is in flight its snapshot has no
 * record yet, so with `keepNewerThan` set, snapshots changed since then are left for the next gc.
 */
export async function removeUnusedSnapshots(root: string, inUse: ReadonlySet<string>, keepNewerThan?: number): Promise<string[]> {
  const dir = join(root, SNAPSHOTS_DIR);
  const names = await readdir(dir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    if (inUse.has(name) || name.startsWith(TEMP_PREFIX)) continue;
    const path = join(dir, name);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isDirectory()) continue;
    if (keepNewerThan !== undefined && info.mtimeMs >= keepNewerThan) continue;
    await rm(path, { recursive: true, force: true });
    removed.push(path);
  }
  return removed;
}
