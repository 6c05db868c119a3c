import type { Writable } from 'node:stream';
import { ArchiveWriter, type DockerSaveImage, type ExportImage } from '../archive/write/index.js';
import { FerryError } from '../errors.js';
import { readBlobBytes, readDocument } from '../graph/read-document.js';
import { convertImage } from '../convert/index.js';
import type { Compression } from '../oci/compression.js';
import type { ContentSource } from '../oci/transport.js';
import { transferImage } from '../graph/copy.js';
import { availablePlatforms, incompletePlatform, isComplete, type ResolvedImage, resolveImage } from '../graph/resolve.js';
import type { Descriptor, Platform } from '../oci/descriptor.js';
import { isIndex, isNonDistributable, layerCompression } from '../oci/mediatypes.js';
import { normalizeName } from '../oci/reference.js';
import { IndexSchema } from '../oci/schemas.js';
import { formatPlatform, hostPlatform } from '../platform/index.js';
import type { Staging, Store } from '../store/index.js';
import { referrerExports } from './ends/referrers.js';
import { indexWithoutAttestations, withoutAttachments } from './policy/skip-attestations.js';
import { alwaysShipped, markDelta } from './policy/delta.js';
import { OverlaySource } from '../graph/overlay-source.js';
import { selectPlatforms, type PlatformArgs } from './policy/platform-filter.js';
import { rewriteIndex } from '../graph/rewrite-index.js';
import { dockerSaveEntry } from './policy/docker-save-entry.js';

export interface ExportOptions extends PlatformArgs {
  /** With --platform: keep the original index (the archive is then partial) instead of rewriting it. */
  keepIndex?: boolean;
  /** Write what the store holds even when a selected platform is incomplete. */
  allowPartial?: boolean;
  skipManifestJson?: boolean;
  skipNonDistributable?: boolean;
  /** Platform of the docker-save manifest.json entries (default: the host's best match). */
  dockerPlatform?: string;
  /**
   * `--exclude-blobs-from`: digests the far side holds. Those blobs stay out (documents never do), index.json
   * entries are marked as a delta (see delta.ts) and no manifest.json is written: docker load cannot complete one.
   */
  excludeBlobs?: ReadonlySet<string>;
  /** `--skip-attestations`: drop BuildKit attestation manifests; the index is rewritten. */
  skipAttestations?: boolean;
  /** `--referrers`: also export the manifests in the store whose subject is the image (transitively). */
  referrers?: boolean;
  /** `--layer-compression`: recompress layers on the way out (the store keeps its own). */
  layerCompression?: Compression;
  host?: Platform;
  onProgress?: (written: number, desc: Descriptor) => void;
}

export interface ExportedImage {
  name: string;
  digest: string;
  /** Set when the index was rewritten to the chosen platforms. */
  originalDigest?: string;
  platforms: string[];
  partial: boolean;
  dockerPlatform?: string;
}

export interface ExportResult {
  images: ExportedImage[];
  blobs: number;
  bytes: number;
  /** With excludeBlobs: how many blobs the images need that were left out. */
  excluded?: number;
  /** With referrers: referrer digests left out because the store holds them only in part. */
  incompleteReferrers?: string[];
  /** What some consumer cannot read in this archive (e.g. zstd layers in the docker-load entry). */
  warnings?: string[];
}

/** Exports images of the store as one OCI-layout + docker-save tar, streamed to `out`. */
export async function exportImages(store: Store, names: string[], out: Writable, opts: ExportOptions): Promise<ExportResult> {
  // Recompressed layers go to a staging area that is thrown away afterwards: an export never changes the store.
  const staging = opts.layerCompression ? await store.stage() : undefined;
  try {
    return await exportFrom(store, staging, names, out, opts);
  } finally {
    await staging?.abort();
  }
}

async function exportFrom(store: Store, staging: Staging | undefined, names: string[], out: Writable, opts: ExportOptions): Promise<ExportResult> {
  const host = opts.host ?? hostPlatform();
  const selection = selectPlatforms(opts, host);
  const content: ContentSource = staging ?? store;
  const source = new OverlaySource(content);
  // The writer holds in the overlay of what is exported: the engine finds every blob there (the indexes this
  // export rewrote included), so nothing is copied twice and the store is never written to; the tar is written
  // once, at commit.
  const writer = new ArchiveWriter(source);
  const incompleteReferrers: string[] = [];
  const planImages: ExportImage[] = [];
  const blobs = new Map<string, Descriptor>();
  const docker: DockerSaveImage[] = [];
  const summaries: ExportedImage[] = [];
  const excluded = new Set<string>();
  const warnings: string[] = [];
  const skipManifestJson = opts.skipManifestJson || opts.excludeBlobs !== undefined;
  for (const raw of names) {
    const name = normalizeName(raw);
    const record = await store.getImage(name);
    if (!record) throw new FerryError('ERR_NOT_FOUND', `no image named ${name} in the store`, { hint: "see 'ferry images ls', or import or pull it first" });
    const stored = staging && opts.layerCompression ? (await convertImage(store, staging, record.target, { layers: opts.layerCompression })).target : record.target;
    let resolved = await resolveImage(content, stored, selection.filter);
    if (opts.skipAttestations) resolved = withoutAttachments(resolved);
    const partial = checkComplete(resolved, name, opts);
    let target = stored;
    let originalDigest: string | undefined = stored.digest === record.target.digest ? undefined : record.target.digest;
    const narrowed = !selection.filter.all && isIndex(target.mediaType) && !opts.keepIndex && resolved.skipped.length > 0;
    if (narrowed) {
      const original = (await readDocument(content, target, IndexSchema)).value;
      const rewritten = rewriteIndex(resolved, original.annotations);
      originalDigest ??= target.digest;
      target = source.add(rewritten.mediaType, rewritten.bytes);
    } else if (opts.skipAttestations && isIndex(target.mediaType)) {
      const without = indexWithoutAttestations(target, await readBlobBytes(content, target));
      if (without) {
        originalDigest ??= target.digest;
        target = source.add(without.desc.mediaType, without.bytes);
      }
    }
    planImages.push({ name, target: opts.excludeBlobs ? markDelta(target) : target });
    if (opts.referrers) {
      const subjects = [record.target.digest, ...resolved.selected.map((m) => m.manifest.digest)];
      const extra = await referrerExports(store, name, subjects);
      planImages.push(...extra.images);
      for (const b of extra.blobs) blobs.set(b.digest, b);
      incompleteReferrers.push(...extra.incomplete);
    }
    // The engine copies the image into the writer as it would to a registry, but partial on purpose: whether an
    // incomplete platform may go was decided above (checkComplete), and an archive keeps what it can of the rest.
    // An index rewritten to the chosen platforms names exactly what goes; any other top goes with the selection.
    const plan = narrowed ? { selection: selectPlatforms({ allPlatforms: true }) } : target === stored ? { selection, resolved } : { selection };
    const moved = await transferImage(source, writer, target, { ...plan, completeIndex: false, partial: true });
    for (const d of moved.blobs) {
      if (opts.skipNonDistributable && isNonDistributable(d.mediaType)) continue;
      if (opts.excludeBlobs?.has(d.digest) && !alwaysShipped(d)) {
        excluded.add(d.digest);
        continue;
      }
      blobs.set(d.digest, d);
    }
    const dockerEntry = skipManifestJson ? undefined : dockerSaveEntry(resolved, name, opts, host);
    if (dockerEntry) {
      docker.push(dockerEntry.image);
      const zstd = dockerLoadZstdWarning(name, dockerEntry.platform, dockerEntry.image);
      if (zstd) warnings.push(zstd);
    }
    summaries.push({
      name,
      digest: target.digest,
      ...(originalDigest ? { originalDigest } : {}),
      platforms: resolved.selected.filter(isComplete).map((s) => (s.platform ? formatPlatform(s.platform) : 'unknown')),
      partial: partial || Boolean(opts.keepIndex && resolved.skipped.length > 0),
      ...(dockerEntry ? { dockerPlatform: dockerEntry.platform } : {}),
    });
  }
  const written = await writer.commit(out, {
    images: planImages,
    blobs: [...blobs.values()],
    ...(skipManifestJson ? {} : { dockerManifest: docker }),
  }, opts.onProgress ? { onProgress: opts.onProgress } : {});
  return {
    images: summaries,
    blobs: written.blobs,
    bytes: written.bytes,
    ...(opts.excludeBlobs ? { excluded: excluded.size } : {}),
    ...(incompleteReferrers.length > 0 ? { incompleteReferrers } : {}),
    ...(warnings.length > 0 ? { warnings } : {}),
  };
}

/**
 * docker engines before 23 (Debian's docker.io 20.10 among them) fail `docker load` on a zstd layer with
 * "archive/tar: invalid tar header", after the other tools have accepted the same archive: say so at export.
 */
function dockerLoadZstdWarning(name: string, platform: string, entry: DockerSaveImage): string | undefined {
  if (!entry.layers.some((l) => layerCompression(l.mediaType) === 'zstd')) return undefined;
  return `${name}: the docker-load entry (${platform}) has zstd layers, which docker engines before 23 cannot load; export with --layer-compression gzip for them`;
}

/** Fails on a selected platform the store holds only in part, unless --allow-partial. Returns whether partial. */
function checkComplete(resolved: ResolvedImage, name: string, opts: ExportOptions): boolean {
  const incomplete = resolved.selected.filter((s) => !isComplete(s));
  const lostIndex = resolved.missingIndexes[0];
  if (lostIndex && !opts.allowPartial) {
    throw new FerryError('ERR_BLOB_MISSING', `${name}: nested index ${lostIndex.digest} is not in the store (content digest not found)`, {
      digest: lostIndex.digest,
      hint: 'import or pull the image again, or pass --allow-partial',
    });
  }
  if (incomplete.length > 0 && !opts.allowPartial) {
    const first = incomplete[0]!;
    const platform = first.platform ? formatPlatform(first.platform) : `manifest ${first.manifest.digest}`;
    throw incompletePlatform(`${name} in the store`, platform, resolved, first.missing, 'pull or import that platform again, choose others with --platform, or pass --allow-partial');
  }
  if (resolved.selected.length === 0) {
    throw new FerryError('ERR_PLATFORM_NOT_FOUND', `${name} has no platform matching the selection`, {
      hint: `available: ${availablePlatforms(resolved).map(formatPlatform).join(', ') || 'none'}; use --platform or --all-platforms`,
    });
  }
  return incomplete.length > 0 || resolved.missingIndexes.length > 0;
}
