import { readArchive, type ArchiveContents, type ArchiveImage } from '../archive/read/index.js';
import { FerryError } from '../errors.js';
import { isComplete, presentBlobs, resolveImage, type PlatformImage, type ResolvedImage } from '../graph/resolve.js';
import type { Descriptor, Platform } from '../oci/descriptor.js';
import { formatPlatform, hostPlatform, onlyStrict, parsePlatform } from '../platform/index.js';
import type { Store } from '../store/index.js';
import type { UnpackProgress } from '../unpack/index.js';
import { isDelta, requireDeltaBase, withoutDeltaMark } from './delta.js';
import { importNames, type NamingOptions } from './import-names.js';
import { openInput } from './open-input.js';
import { pickImages } from './pick-image.js';
import { readProgress } from './read-progress.js';
import { convertSchema1Image } from './schema1-image.js';
import { selectPlatforms, type PlatformArgs } from './platform-filter.js';
import { unpackPlatformImage, type UnpackOutcome } from './unpack-platform-image.js';
import { resolveUnpackTarget, type UnpackChoice } from './unpack-target.js';

export interface ImportOptions extends PlatformArgs, NamingOptions {
  /** `--unpack-platform`: which platform to unpack (best compatible match). */
  unpackPlatform?: string;
  strictPlatform?: boolean;
  /** false with `--no-unpack`. */
  unpack?: boolean;
  /** `--index-name N`: also keep the archive's index.json as an image named N. */
  indexName?: string;
  /** With --digests: only add digest names to images that have no other name. */
  skipDigestForNamed?: boolean;
  host?: Platform;
  /** Bytes of the archive read so far, and its size when known (not for stdin). */
  onProgress?: (read: number, total?: number) => void;
  /** Progress of unpacking the chosen platform (after the archive is read). */
  onUnpackProgress?: (platform: string, progress: UnpackProgress) => void;
}

export interface IncompletePlatform {
  platform: string;
  manifest: string;
  missing: string[];
}

export interface ImportedImage {
  names: string[];
  digest: string;
  mediaType: string;
  platforms: string[];
  incomplete: IncompletePlatform[];
  skipped: string[];
  attestations: number;
  unpack?: UnpackChoice & { outcome?: UnpackOutcome };
}

export interface ImportResult {
  archive: string;
  format: ArchiveContents['format'];
  selection: string;
  images: ImportedImage[];
}

/**
 * Imports an archive: one streaming pass into a staging area of the store, then names, platform filter,
 * completeness, unpack of the chosen platform, and only then a single atomic commit of blobs and records.
 * Any failure before the commit leaves the store exactly as it was.
 */
export async function importArchive(store: Store, path: string, opts: ImportOptions): Promise<ImportResult> {
  const host = opts.host ?? hostPlatform();
  const selection = selectPlatforms(opts, host);
  const input = await openInput(path);
  const staging = await store.stage();
  try {
    const stream = opts.onProgress ? input.stream.pipe(readProgress(opts.onProgress, input.size)) : input.stream;
    const contents = pickImages(await readArchive(stream, staging, { where: input.where }), input);
    const images: ImportedImage[] = [];
    const keep = new Map<string, Descriptor>();
    const records: { name: string; target: Descriptor }[] = [];
    for (const archived of contents.images) {
      const found = await convertSchema1Image(staging, archived);
      const resolved = await resolveImage(staging, found.target, selection.filter);
      const names = nameImage(found, opts);
      // The staging area also sees the store's blobs: a delta is complete when the store holds its base.
      if (isDelta(found.target)) requireDeltaBase(resolved, names[0] ?? found.target.digest, input.where);
      checkSelection(resolved, found, selection.requested, opts, input.where);
      const summary = summarize(resolved, names);
      if (opts.unpack !== false) summary.unpack = await unpack(store, staging, resolved, opts, selection.requested, host);
      for (const d of presentBlobs(resolved)) keep.set(d.digest, d);
      for (const name of names) records.push({ name, target: withoutDeltaMark(found.target) });
      images.push(summary);
    }
    if (opts.indexName && contents.index) {
      keep.set(contents.index.desc.digest, contents.index.desc);
      records.push({ name: importNames({ digest: contents.index.desc.digest, refName: opts.indexName, repoTags: [] }, opts)[0]!, target: contents.index.desc });
    }
    if (images.length === 0) {
      throw new FerryError('ERR_UNSUPPORTED_ARCHIVE', `${input.where} holds no image`, { path: input.where, hint: 'the archive is empty or not an image archive' });
    }
    await staging.commit({ keep: [...keep.keys()], records });
    return { archive: input.where, format: contents.format, selection: selection.label, images };
  } catch (err) {
    await staging.abort();
    input.stream.destroy();
    throw err;
  }
}

function nameImage(found: ArchiveImage, opts: ImportOptions): string[] {
  const sources = { digest: found.target.digest, repoTags: found.repoTags, ...pick(found) };
  const names = importNames(sources, { ...opts, digests: false });
  const named = names.length > 0 && !names.every((n) => n.includes('@'));
  if (opts.digests && !(opts.skipDigestForNamed && named)) return [...new Set([...names, ...importNames(sources, { ...opts, digests: true })])];
  return names;
}

function pick(found: ArchiveImage): { containerdName?: string; refName?: string } {
  return { ...(found.containerdName ? { containerdName: found.containerdName } : {}), ...(found.refName ? { refName: found.refName } : {}) };
}

/**
 * Default and --platform imports must bring the platforms they name; --all-platforms takes whatever is
 * complete and reports the rest.
 */
function checkSelection(resolved: ResolvedImage, found: ArchiveImage, requested: Platform[], opts: ImportOptions, where: string): void {
  const label = found.containerdName ?? found.refName ?? found.repoTags[0] ?? found.target.digest;
  const complete = resolved.selected.filter((s) => s.platform && isComplete(s));
  if (opts.allPlatforms) return;
  if (requested.length > 0) {
    for (const p of requested) {
      const hit = resolved.selected.find((s) => s.platform && onlyStrict(p).match(s.platform));
      // A platform the archive does not have at all is not found; one it holds only in part is incomplete.
      if (!hit) {
        throw new FerryError('ERR_PLATFORM_NOT_FOUND', `${where}: image ${label} has no ${formatPlatform(p)} manifest`, {
          path: where,
          hint: `available: ${availablePlatforms(resolved).join(', ') || 'none'}; choose with --platform, or use --all-platforms`,
        });
      }
      if (!isComplete(hit)) {
        const missing = ` (missing ${hit.missing.map((m) => m.digest).join(', ')})`;
        throw new FerryError('ERR_INCOMPLETE', `${where}: image ${label} has no complete content for ${formatPlatform(p)}${missing}`, {
          path: where,
          hint: `available: ${availablePlatforms(resolved).join(', ') || 'none'}; choose with --platform, or use --all-platforms`,
        });
      }
    }
    return;
  }
  // Artifacts have no platform: any host takes them, as long as they are complete.
  const artifactsOnly = resolved.selected.length > 0 && resolved.selected.every((s) => !s.platform && isComplete(s));
  if (complete.length === 0 && !artifactsOnly) {
    throw new FerryError('ERR_PLATFORM_NOT_FOUND', `${where}: image ${label} has no content the host can run`, {
      path: where,
      hint: `available: ${availablePlatforms(resolved).join(', ') || 'none'}; use --all-platforms or --platform P`,
    });
  }
}

function availablePlatforms(resolved: ResolvedImage): string[] {
  const all = [...resolved.selected.map((s) => s.platform), ...resolved.skipped.map((d) => d.platform)];
  return [...new Set(all.filter((p): p is Platform => Boolean(p)).map(formatPlatform))];
}

function summarize(resolved: ResolvedImage, names: string[]): ImportedImage {
  const platformOf = (s: PlatformImage) => (s.platform ? formatPlatform(s.platform) : 'unknown');
  return {
    names,
    digest: resolved.target.digest,
    mediaType: resolved.target.mediaType,
    platforms: resolved.selected.filter(isComplete).map(platformOf),
    incomplete: resolved.selected
      .filter((s) => !isComplete(s))
      .map((s) => ({ platform: platformOf(s), manifest: s.manifest.digest, missing: s.missing.map((m) => m.digest) }))
      .concat(resolved.missingIndexes.map((d) => ({ platform: 'nested index', manifest: d.digest, missing: [d.digest] }))),
    skipped: resolved.skipped.map((d) => (d.platform ? formatPlatform(d.platform) : d.digest)),
    attestations: resolved.selected.reduce((n, s) => n + s.attachments.length, 0),
  };
}

async function unpack(
  store: Store,
  source: Parameters<typeof unpackPlatformImage>[1],
  resolved: ResolvedImage,
  opts: ImportOptions,
  requested: Platform[],
  host: Platform,
): Promise<ImportedImage['unpack']> {
  const platform = opts.unpackPlatform ? parsePlatform(opts.unpackPlatform) : requested[0];
  const choice = resolveUnpackTarget(resolved.selected, { host, strict: opts.strictPlatform, ...(platform ? { platform } : {}) });
  if (!choice.image) {
    if (platform) {
      throw new FerryError('ERR_PLATFORM_NOT_FOUND', `cannot unpack: ${choice.reason}`, {
        hint: `available: ${choice.available.join(', ') || 'none'}; choose one with --unpack-platform, or pass --no-unpack`,
      });
    }
    return choice;
  }
  const label = choice.image.platform ? formatPlatform(choice.image.platform) : choice.image.manifest.digest;
  const onProgress = opts.onUnpackProgress ? (p: UnpackProgress) => opts.onUnpackProgress!(label, p) : undefined;
  return { ...choice, outcome: await unpackPlatformImage(store, source, choice.image, onProgress) };
}
