import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Descriptor } from '../oci/descriptor.js';
import { parseDigest } from '../oci/digest.js';
import type { ContentSource } from '../oci/transport.js';
import { chainIDs } from '../oci/chain.js';
import { unpackImage, type UnpackImageOptions } from './unpack-image.js';

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

export async function ensureSnapshot(
  storeRoot: string,
  source: ContentSource,
  layers: readonly Descriptor[],
  diffIDs: readonly string[],
  opts: UnpackImageOptions = {},
): Promise<SnapshotResult> {
  const chain = chainIDs(diffIDs);
  const path = snapshotPath(storeRoot, diffIDs);
  const identity = chain.length > 0 ? { chainID: chain[chain.length - 1]! } : {};
  if (await isDirectory(path)) return { path, reused: true, ...identity, warnings: [] };

  const snapshots = join(storeRoot, SNAPSHOTS_DIR);
  await mkdir(snapshots, { recursive: true });
  const temp = join(snapshots, `tmp-${process.pid}-${randomBytes(8).toString('hex')}`);
  let warnings: string[];
  try {
    await mkdir(temp, { mode: 0o755 });
    ({ warnings } = await unpackImage(source, layers, diffIDs, temp, opts));
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { recursive: true, force: true });
    // Someone else finished the same snapshot first: theirs is as good as ours.
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
