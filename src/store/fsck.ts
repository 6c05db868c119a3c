import { createReadStream } from 'node:fs';
import { lstat, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isFerryError } from '../errors.js';
import type { Descriptor } from '../oci/descriptor.js';
import { maxDecompressionRatio } from '../oci/bomb-guard.js';
import { chain } from '../oci/chain.js';
import { DigestingStream, isDigest, parseDigest } from '../oci/digest.js';
import { isManifest } from '../oci/mediatypes.js';
import { UncompressedDigestTap, type UncompressedDigest } from '../oci/uncompressed-digest.js';
import { children, walk } from '../graph/walk.js';
import { diffIDProblems } from './layer-diffids.js';
import { markReachable, removeOrphanSnapshots } from './gc.js';
import { SNAPSHOTS_DIR } from './snapshots.js';
import { blobFiles, listDir } from './blob-files.js';
import { BlobDirectory } from './blobs.js';
import type { LayoutPaths } from './layout.js';
import { withLock } from './lock.js';
import { entryName, readIndexFile } from './records.js';


export interface FsckProblem {
  kind: 'unreadable-index' | 'invalid-digest' | 'missing-target' | 'corrupt-blob' | 'size-mismatch' | 'unreadable-document' | 'diffid-mismatch' | 'undecodable-layer';
  message: string;
  digest?: string;
  path?: string;
}

export interface FsckResult {
  /** Blobs under blobs/ whose content was re-hashed. */
  checkedBlobs: number;
  /** index.json entries whose graphs were walked. */
  checkedRecords: number;
  /** Blobs a record reaches that the store does not have: normal for partial imports (other platforms, attestations). */
  absent: string[];
  /**
   * Blobs whose content did not match their name, removed (it can never become right, and a blob of the right
   * size counts as present, so it would stop a re-import from fixing it). One an image needs is also a problem.
   */
  removedBlobs: string[];
  /** Temp files, staging areas and unpack temp directories of ferry processes that are no longer running. */
  removedTemp: string[];
  /** Snapshots (unpacked root filesystems) that no image of the store uses, removed. */
  removedSnapshots: string[];
  /** What is wrong; empty when the store is sound. */
  problems: FsckProblem[];
}

/**
 * Checks a store after a crash, a full disk or a foreign tool, under the store lock (so no commit or gc moves
 * blobs meanwhile):
 * - every blob file is re-hashed; one whose content does not match its name is removed (a problem if an image
 *   needs it: re-import that image); a compressed one is decompressed in the same read (bounded like unpack);
 * - every present layer's uncompressed digest must be the diffID its image config claims;
 * - every index.json entry's graph is walked: its target must be present, every present blob must have the size
 *   the descriptor says, every present index and manifest must parse; absent children are listed, not faulted;
 * - leftovers of dead ferry processes (temp files, staging areas, unpack temp directories) are removed, and so
 *   are orphan snapshots no image uses (only when every record could be walked, so none is taken for one wrongly).
 * A leftover's owner is judged by the pid in its name, so this assumes no other host writes the store meanwhile.
 */
export async function checkStore(paths: LayoutPaths): Promise<FsckResult> {
  const blobs = new BlobDirectory(paths.blobs, paths.ingest);
  return withLock(paths.lock, async () => {
    const result: FsckResult = { checkedBlobs: 0, checkedRecords: 0, absent: [], removedBlobs: [], removedTemp: [], removedSnapshots: [], problems: [] };
    result.removedTemp.push(...(await sweepDeadLeftovers(paths)));
    const uncompressed = await rehashBlobs(paths, result);
    await walkRecords(paths, blobs, result, uncompressed);
    if (result.problems.length === 0) {
      const { snapshots } = await markReachable((await readIndexFile(paths.index)).manifests, blobs);
      result.removedSnapshots.push(...(await removeOrphanSnapshots(paths, snapshots)));
    }
    return result;
  });
}

/** Re-hashes every blob; returns what each intact one decompresses to, for the diffID check. */
async function rehashBlobs(paths: LayoutPaths, result: FsckResult): Promise<Map<string, UncompressedDigest>> {
  const uncompressed = new Map<string, UncompressedDigest>();
  const ratio = maxDecompressionRatio();
  for await (const { digest, path } of blobFiles(paths.blobs)) {
    const info = await lstat(path);
    if (!info.isFile()) continue;
    result.checkedBlobs += 1;
    const digesting = new DigestingStream(parseDigest(digest).algorithm);
    const tap = new UncompressedDigestTap({ where: `blob ${digest}`, ratio, compressedSize: info.size });
    await pipeline(chain(createReadStream(path, { highWaterMark: 256 * 1024 }), digesting, tap), new Writable({ write: (_c, _e, done) => done() }));
    const actual = digesting.digest.digest;
    if (actual === digest) {
      uncompressed.set(digest, tap.result);
      continue;
    }
    await rm(path, { force: true });
    result.removedBlobs.push(digest);
  }
  return uncompressed;
}

async function walkRecords(paths: LayoutPaths, blobs: BlobDirectory, result: FsckResult, uncompressed: ReadonlyMap<string, UncompressedDigest>): Promise<void> {
  let entries: Descriptor[];
  try {
    entries = (await readIndexFile(paths.index)).manifests;
  } catch (err) {
    if (!isFerryError(err)) throw err;
    result.problems.push({ kind: 'unreadable-index', path: paths.index, message: err.message });
    return;
  }
  const seen = new Set<string>();
  const absent = new Set<string>();
  for (const entry of entries) {
    result.checkedRecords += 1;
    const label = entryName(entry) ?? `unnamed entry ${entry.digest}`;
    if (!isDigest(entry.digest)) {
      result.problems.push({ kind: 'invalid-digest', message: `image ${label}: ${JSON.stringify(entry.digest)} is not a digest` });
      continue;
    }
    if (!(await blobs.stat(entry.digest)) && !result.removedBlobs.includes(entry.digest)) {
      result.problems.push({ kind: 'missing-target', digest: entry.digest, message: `image ${label}: its ${entry.mediaType} ${entry.digest} is not in the store` });
      continue;
    }
    const next = children(blobs);
    // Each node's size and document are checked before its children are visited; a faulty node has none.
    const check = async (desc: Descriptor): Promise<Descriptor[]> => {
      if (!isDigest(desc.digest)) {
        result.problems.push({ kind: 'invalid-digest', message: `image ${label}: ${JSON.stringify(desc.digest)} is not a digest` });
        return [];
      }
      const stat = await blobs.stat(desc.digest);
      if (!stat) {
        if (result.removedBlobs.includes(desc.digest)) {
          result.problems.push({ kind: 'corrupt-blob', digest: desc.digest, message: `image ${label}: blob ${desc.digest} was corrupt and has been removed` });
        } else absent.add(desc.digest);
        return [];
      }
      if (stat.size !== desc.size) {
        result.problems.push({ kind: 'size-mismatch', digest: desc.digest, message: `image ${label}: blob ${desc.digest} is ${stat.size} bytes, its descriptor says ${desc.size}` });
        return [];
      }
      try {
        const found = await next(desc);
        if (isManifest(desc.mediaType)) result.problems.push(...(await diffIDProblems(label, found, blobs, uncompressed)));
        return found;
      } catch (err) {
        if (!isFerryError(err)) throw err;
        result.problems.push({ kind: 'unreadable-document', digest: desc.digest, message: `image ${label}: ${err.message}` });
        return [];
      }
    };
    // By digest and size: two descriptors of one blob may disagree on its size, and one of them is wrong.
    await walk([entry], check, { key: (d) => `${d.digest} ${d.size}`, seen });
  }
  result.absent = [...absent].sort();
}

/** ferry names its temp files and directories `<prefix>-<pid>-<16 hex>` (see atomic.ts tempName, staging.ts). */
const OWNED_NAME = /-(\d+)-[0-9a-f]{16}(?:\.lock)?$/;

async function sweepDeadLeftovers(paths: LayoutPaths): Promise<string[]> {
  const candidates: string[] = [];
  for (const name of await listDir(paths.ingest)) candidates.push(join(paths.ingest, name));
  for (const name of await listDir(paths.root)) if (name.startsWith('.index.json.') || name.startsWith('.oci-layout.')) candidates.push(join(paths.root, name));
  for (const name of await listDir(join(paths.root, SNAPSHOTS_DIR))) if (name.startsWith('tmp-')) candidates.push(join(paths.root, SNAPSHOTS_DIR, name));
  const removed: string[] = [];
  for (const path of candidates) {
    const pid = OWNED_NAME.exec(path)?.[1];
    if (pid === undefined || isRunning(Number(pid))) continue;
    // A staging lock is a directory (proper-lockfile); rm handles both.
    await rm(path, { recursive: true, force: true });
    removed.push(path);
  }
  return removed;
}

function isRunning(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}
