import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FerryError } from '../errors.js';
import type { Descriptor } from '../oci/descriptor.js';
import { formatReference, normalizeName, type Reference } from '../oci/reference.js';
import { parseArchiveAddress } from './ends/archive-address.js';
import type { UploadCounts } from '../registry/index.js';
import { Store } from '../store/index.js';
import { copyIntoContainerd } from './ends/containerd-copy.js';
import type { DaemonOptions, DaemonUnpack } from './ends/daemon-options.js';
import { copyIntoDockerDaemon } from './ends/docker-daemon-copy.js';
import { exportImages } from './export-archive.js';
import { formatLocation, parseLocation, type ImageLocation } from './ends/image-location.js';
import { openImage, type OpenedImage } from './ends/image-source.js';
import { openOutput } from './ends/open-output.js';
import { selectPlatforms, type PlatformArgs } from './policy/platform-filter.js';
import { openRegistryContent, type RegistryAccess } from './ends/registry-access.js';
import { transferImage, type TransferResult } from '../graph/copy.js';

export interface CopyOptions extends PlatformArgs {
  access?: RegistryAccess;
  /** Sockets of containerd and the docker engine, and what to unpack there. */
  daemons?: DaemonOptions;
  jobs?: number;
  onProgress?: (written: number, desc: Descriptor) => void;
}

export interface CopyResult {
  source: string;
  destination: string;
  /** The name the image has at the destination (store or archive), or the reference pushed. */
  name: string;
  digest: string;
  /** The source's digest, when the index was rewritten to the platforms copied. */
  originalDigest?: string;
  /** The Docker schema1 manifest a registry served, when the image was converted to schema2 on arrival. */
  convertedFrom?: string;
  platforms: string[];
  incomplete: string[];
  /** Blobs copied and their bytes (for archives: blobs and bytes of the tar written). */
  blobs: number;
  bytes: number;
  /** Registry destinations: blobs found, mounted and uploaded; manifests put; fallback referrer tags updated. */
  registry?: UploadCounts;
  /** Daemon destinations: the platform unpacked in containerd or loaded into docker, and why (or why none). */
  unpack?: DaemonUnpack;
  /** docker-daemon destinations: the names the engine reported loading. */
  loaded?: string[];
}

/** `ferry copy SRC DST` between any two of registry, store, archive, containerd and docker (see image-location.ts for the syntax). */
export async function copyImage(store: Store, src: string, dst: string, opts: CopyOptions = {}): Promise<CopyResult> {
  return copyBetween(store, parseLocation(src), parseLocation(dst), opts);
}

export async function copyBetween(store: Store, from: ImageLocation, to: ImageLocation, opts: CopyOptions): Promise<CopyResult> {
  const opened = await openImage(store, from, opts.access ?? {}, opts.daemons);
  try {
    if (to.kind === 'registry') return await pushTo(opened, to.ref, opts);
    if (to.kind === 'store') return await storeInto(store, opened, to.name, opts);
    if (to.kind === 'containerd') {
      const { moved, unpack } = await copyIntoContainerd(opened, to, opts);
      return { ...summary(opened, to, to.name, moved), ...(unpack ? { unpack } : {}) };
    }
    if (to.kind === 'docker-daemon') {
      const { moved, loaded, unpack } = await copyIntoDockerDaemon(opened, to, opts);
      return { ...summary(opened, to, to.name, moved), unpack, loaded };
    }
    return await archiveTo(store, opened, to.path, opts);
  } finally {
    await opened.close();
  }
}

/** Copies into a registry: blobs, manifests, index, then the tag; a digest reference must match what was pushed. */
export async function pushTo(opened: OpenedImage, ref: Reference, opts: CopyOptions): Promise<CopyResult> {
  const sameRegistry = opened.registry?.repo.domain === ref.domain ? opened.registry.repo.path : undefined;
  const target = await openRegistryContent(ref, opts.access ?? {}, sameRegistry ? { mountFrom: sameRegistry } : {});
  const moved = await transferImage(opened.source, target, opened.top, { ...transferOptions(opts), completeIndex: true });
  if (ref.digest && ref.digest !== moved.target.digest) {
    throw new FerryError('ERR_CONFLICT', `pushed ${moved.target.digest}, but the destination names ${ref.digest}`, {
      digest: ref.digest,
      hint: 'push by tag, or push every platform (--all-platforms) so the index is not rewritten',
    });
  }
  if (ref.tag) await target.tag(moved.target, ref.tag);
  // The transfer skips what the registry has before asking the target to write it: those count as there too.
  const registry = { ...target.counts, exists: target.counts.exists + moved.blobs.length - moved.copied };
  return { ...summary(opened, { kind: 'registry', ref }, formatReference(ref), moved), registry };
}

/**
 * Copies into the store through a staging area committed at the end, so a failed pull leaves no trace. Like
 * import, the store keeps the source's index and the platforms that were chosen.
 */
export async function storeInto(store: Store, opened: OpenedImage, name: string, opts: CopyOptions): Promise<CopyResult> {
  const staging = await store.stage();
  try {
    const moved = await transferImage(opened.source, staging, opened.top, { ...transferOptions(opts), completeIndex: false });
    await staging.commit({ keep: moved.blobs.map((b) => b.digest), records: [{ name, target: moved.target }] });
    return summary(opened, { kind: 'store', name }, name, moved);
  } catch (err) {
    await staging.abort();
    throw err;
  }
}

/**
 * Writes an archive as `ferry export` does. An image that is not in the store yet goes through a temporary store
 * first, so the export logic (index rewrite, docker manifest.json) is the same for every source.
 */
export async function archiveTo(store: Store, opened: OpenedImage, text: string, opts: CopyOptions): Promise<CopyResult> {
  const address = parseArchiveAddress(text);
  if (address.transport === 'oci') {
    throw new FerryError('ERR_UNSUPPORTED', `ferry writes archive files, not layout directories (${text})`, { path: text, hint: `write oci-archive:${address.path} instead` });
  }
  if (address.pick && 'index' in address.pick) {
    throw new FerryError('ERR_USAGE', `${text}: @N picks an image to read; a written archive holds one`, { path: text, hint: 'write docker-archive:FILE or docker-archive:FILE:NAME' });
  }
  const name = address.pick ? normalizeName(address.pick.ref) : opened.name;
  if (opened.location.kind === 'store' && name === opened.name) return exportTo(store, opened, name, address.path, opts, undefined);
  const dir = await mkdtemp(join(tmpdir(), 'ferry-copy-'));
  try {
    const temp = await Store.open(dir);
    const fetched = await storeInto(temp, opened, name, opts);
    return await exportTo(temp, opened, name, address.path, opts, fetched.incomplete);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function exportTo(store: Store, opened: OpenedImage, name: string, path: string, opts: CopyOptions, incomplete: string[] | undefined): Promise<CopyResult> {
  const output = await openOutput(path);
  try {
    const tar = new PassThrough({ highWaterMark: 1024 * 1024 });
    const sink = pipeline(tar, output.stream);
    const result = await exportImages(store, [name], tar, {
      ...(opts.allPlatforms ? { allPlatforms: true } : {}),
      ...(opts.platform ? { platform: opts.platform } : {}),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    });
    await sink;
    await output.commit();
    const image = result.images[0]!;
    return {
      source: formatLocation(opened.location),
      destination: output.where,
      name: image.name,
      digest: image.digest,
      ...(image.originalDigest ? { originalDigest: image.originalDigest } : {}),
      ...(opened.convertedFrom ? { convertedFrom: opened.convertedFrom } : {}),
      platforms: image.platforms,
      incomplete: incomplete ?? [],
      blobs: result.blobs,
      bytes: result.bytes,
    };
  } catch (err) {
    await output.abort();
    throw err;
  }
}

function transferOptions(opts: CopyOptions) {
  return {
    selection: selectPlatforms(opts),
    ...(opts.jobs ? { jobs: opts.jobs } : {}),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  };
}

function summary(opened: OpenedImage, to: ImageLocation, name: string, moved: TransferResult): CopyResult {
  return {
    source: formatLocation(opened.location),
    destination: formatLocation(to),
    name,
    digest: moved.target.digest,
    ...(moved.originalDigest ? { originalDigest: moved.originalDigest } : {}),
    ...(opened.convertedFrom ? { convertedFrom: opened.convertedFrom } : {}),
    platforms: moved.platforms,
    incomplete: moved.incomplete,
    blobs: moved.copied,
    bytes: moved.bytes,
  };
}
