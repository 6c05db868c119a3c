import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Descriptor } from '../oci/descriptor.js';
import { isDigest } from '../oci/digest.js';
import { parseDocument } from '../oci/document.js';
import { isImageConfig, isSchema1 } from '../oci/mediatypes.js';
import { ImageConfigSchema, Schema1ManifestSchema } from '../oci/schemas.js';
import { children, walk } from '../graph/walk.js';
import { blobFiles, listDir } from './blob-files.js';
import { DiffIDRecords } from './diffids.js';
import type { BlobDirectory } from './blobs.js';
import type { LayoutPaths } from './layout.js';
import { isLocked } from './lock.js';
import { readIndexFile } from './records.js';
import { removeUnusedSnapshots, snapshotName } from './snapshots.js';
import { STAGING_PREFIX, stagingLockPath } from './staging.js';

/** Temp files untouched for this long belong to a writer that is gone (a live writer touches its file often). */
const ABANDONED_AFTER_MS = 60 * 60 * 1000;

export interface GcResult {
  removedBlobs: { digest: string; size: number }[];
  bytesFreed: number;
  /** Snapshot directories (unpacked root filesystems) no image of the store uses any more. */
  removedSnapshots: string[];
  /** Abandoned temp files and staging areas removed from ingest/ (and stray index.json temps at the root). */
  removedTemp: string[];
}

/**
 * Mark and sweep; the caller holds the store lock. Marks every blob reachable from an index.json entry (named
 * or not: an entry another tool wrote is still someone's image) through indexes (their manifests) and manifests
 * (config and layers). A manifest's `subject` is not followed: a referrer (signature, SBOM) is kept only when
 * reachable itself, and an image is not kept alive by a referrer of it. Blobs a record needs but the store lacks
 * are fine (partial images). Marking finishes before anything is removed, so an unreadable manifest stops gc
 * without deleting anything.
 */
export async function collectGarbage(paths: LayoutPaths, blobs: BlobDirectory): Promise<GcResult> {
  const { marked, snapshots } = await markReachable((await readIndexFile(paths.index)).manifests, blobs);
  const result: GcResult = { removedBlobs: [], bytesFreed: 0, removedSnapshots: [], removedTemp: [] };
  const diffIDs = DiffIDRecords.at(paths.root);

  for await (const { digest, path } of blobFiles(paths.blobs)) {
    if (marked.has(digest)) continue;
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) continue;
    const size = info.size;
    await rm(path, { force: true });
    await diffIDs.forget(digest);
    result.removedBlobs.push({ digest, size });
    result.bytesFreed += size;
  }

  result.removedSnapshots.push(...(await removeOrphanSnapshots(paths, snapshots)));
  result.removedTemp.push(...(await sweepIngest(paths.ingest)));
  result.removedTemp.push(...(await sweepAbandoned(paths.root, (name) => name.startsWith('.index.json.') || name.startsWith('.oci-layout.'))));
  return result;
}

/**
 * Removes the snapshots that no image config of the store names. An import in flight unpacks before it commits
 * its record, so while one runs, fresh snapshots are not taken for orphans yet.
 */
export async function removeOrphanSnapshots(paths: LayoutPaths, inUse: ReadonlySet<string>): Promise<string[]> {
  const inFlight = await importInFlight(paths.ingest);
  return removeUnusedSnapshots(paths.root, inUse, inFlight ? Date.now() - ABANDONED_AFTER_MS : undefined);
}

/** Every blob reachable from the records, and the snapshots their image configs name. */
export async function markReachable(roots: Descriptor[], blobs: BlobDirectory): Promise<{ marked: Set<string>; snapshots: Set<string> }> {
  const schema1Layers = new Set<string>();
  const snapshots = new Set<string>();
  const next = children(blobs);
  const marked = await walk(roots, async (desc) => {
    if (isImageConfig(desc.mediaType) && (await blobs.has(desc))) {
      const config = parseDocument(ImageConfigSchema, await blobs.readDocument(desc), blobs.blobPath(desc.digest)).value;
      // A config whose diffIDs are not digests names no snapshot unpack could have made.
      if (config.rootfs.diff_ids.every(isDigest)) snapshots.add(snapshotName(config.rootfs.diff_ids));
      return [];
    }
    if (!isSchema1(desc.mediaType)) return next(desc);
    // Schema 1 names layers by digest only; they are leaves, so marking them is enough.
    if (await blobs.has(desc)) {
      const manifest = parseDocument(Schema1ManifestSchema, await blobs.readDocument(desc), blobs.blobPath(desc.digest)).value;
      for (const layer of manifest.fsLayers) schema1Layers.add(layer.blobSum);
    }
    return [];
  });
  for (const digest of schema1Layers) marked.add(digest);
  return { marked, snapshots };
}

async function importInFlight(ingest: string): Promise<boolean> {
  for (const name of await listDir(ingest)) {
    if (name.startsWith(STAGING_PREFIX) && !name.endsWith('.lock') && (await isLocked(stagingLockPath(join(ingest, name))))) return true;
  }
  return false;
}

/** Staging areas whose owner no longer holds their lock, their orphaned locks, and abandoned temp files. */
async function sweepIngest(ingest: string): Promise<string[]> {
  const removed: string[] = [];
  const names = new Set(await listDir(ingest));
  for (const name of names) {
    const path = join(ingest, name);
    if (name.startsWith(STAGING_PREFIX) && !name.endsWith('.lock')) {
      if (await isLocked(stagingLockPath(path))) continue;
      await rm(path, { recursive: true, force: true });
      await rm(stagingLockPath(path), { recursive: true, force: true });
      removed.push(path);
    } else if (name.startsWith(STAGING_PREFIX)) {
      // A lock without its area: its owner died between the two, or is creating the area right now.
      if (names.has(name.slice(0, -'.lock'.length)) || (await isLocked(path))) continue;
      await rm(path, { recursive: true, force: true });
      removed.push(path);
    }
  }
  removed.push(...(await sweepAbandoned(ingest, (name) => !name.startsWith(STAGING_PREFIX))));
  return removed;
}

async function sweepAbandoned(dir: string, select: (name: string) => boolean): Promise<string[]> {
  const removed: string[] = [];
  const cutoff = Date.now() - ABANDONED_AFTER_MS;
  for (const name of await listDir(dir)) {
    if (!select(name)) continue;
    const path = join(dir, name);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile() || info.mtimeMs >= cutoff) continue;
    await rm(path, { force: true });
    removed.push(path);
  }
  return removed;
}
