import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Descriptor } from '../oci/descriptor.js';
import { parseDigest } from '../oci/digest.js';
import type { ContentSource } from '../oci/transport.js';
import { chainIDs } from '../oci/chain-ids.js';
import { unpackImage, type UnpackImageOptions } from './unpack-image.js';
import { recordDiffIDs, type VerifiedDiffIDs, verifyDiffIDs } from './verify-diffids.js';

/**
 * Unpacked images live in the store as `<root>/snapshots/<top chainID hex>/`: the rootfs with every layer
 * applied, one directory per full chain. A snapshot is built under a temporary name and renamed into place
 * when complete, so a directory under a chainID name is always whole, and a crash leaves only a `tmp-*`
 * directory behind. Images with no layers share the empty snapshot `snapshots/empty`.
 */
export interface SnapshotResult {
  path: string;
  /** An identical snapshot already existed and nothing was unpacked. */
  reused: boolean;
  /** The top layer's chainID; undefined for an image without layers. */
  chainID?: string;
  warnings: string[];
}

export const SNAPSHOTS_DIR = 'snapshots';
const EMPTY_SNAPSHOT = 'empty';

/** Where the snapshot of these diffIDs lives (whether or not it exists yet). */
export function snapshotPath(storeRoot: string, diffIDs: readonly string[]): string {
  const chain = chainIDs(diffIDs);
  const top = chain[chain.length - 1];
  return join(storeRoot, SNAPSHOTS_DIR, top === undefined ? EMPTY_SNAPSHOT : parseDigest(top).hex);
}

/** Where snapshots live, and the layer blob → diffID pairs verified so far (the Store is one). */
export interface SnapshotStore {
  root: string;
  diffIDs: VerifiedDiffIDs;
}

/**
 * The snapshot of `layers`, unpacked now or reused. A snapshot is named by the chain of diffIDs the config
 * claims, so before one is reused every layer is checked to really have its diffID (once per blob: verified
 * pairs are recorded in the store); an unpack verifies them as it goes and records them too.
 */
export async function ensureSnapshot(
  store: SnapshotStore,
  source: ContentSource,
  layers: readonly Descriptor[],
  diffIDs: readonly string[],
  opts: UnpackImageOptions = {},
): Promise<SnapshotResult> {
  const storeRoot = store.root;
  const chain = chainIDs(diffIDs);
  const path = snapshotPath(storeRoot, diffIDs);
  const identity = chain.length > 0 ? { chainID: chain[chain.length - 1]! } : {};
  if (await isDirectory(path)) {
    await verifyDiffIDs(store.diffIDs, source, layers, diffIDs, opts);
    return { path, reused: true, ...identity, warnings: [] };
  }

  const snapshots = join(storeRoot, SNAPSHOTS_DIR);
  await mkdir(snapshots, { recursive: true });
  const temp = join(snapshots, `tmp-${process.pid}-${randomBytes(8).toString('hex')}`);
  let warnings: string[];
  try {
    await mkdir(temp, { mode: 0o755 });
    ({ warnings } = await unpackImage(source, layers, diffIDs, temp, opts));
    await recordDiffIDs(store.diffIDs, layers, diffIDs);
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { recursive: true, force: true });
    // Someone else finished the same snapshot first: theirs is as good as ours (our layers were just verified).
    const code = (err as NodeJS.ErrnoException).code;
    if ((code === 'ENOTEMPTY' || code === 'EEXIST') && (await isDirectory(path))) return { path, reused: true, ...identity, warnings: [] };
    throw err;
  }
  await fsyncDirectory(snapshots);
  return { path, reused: false, ...identity, warnings };
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** Makes the rename durable, not only the directory's content. */
async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
