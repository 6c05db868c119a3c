import { rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { maxImportSize, readArchive, type ArchiveContents, type ArchiveImage } from '../archive/read/index.js';
import { FerryError } from '../errors.js';
import { transferImage } from '../graph/copy.js';
import { availablePlatforms, incompletePlatform, isComplete, resolveImage, type PlatformImage, type ResolvedImage } from '../graph/resolve.js';
import { chain } from '../oci/chain.js';
import { isIndex, isManifest, isSchema1 } from '../oci/mediatypes.js';
import type { Descriptor, Platform } from '../oci/descriptor.js';
import { formatPlatform, hostPlatform, normalizePlatform, onlyStrict, parsePlatform } from '../platform/index.js';
import type { Store } from '../store/index.js';
import type { UnpackProgress } from '../unpack/index.js';
import { isDelta, requireDeltaBase, withoutDeltaMark } from './policy/delta.js';
import { importNames, type NamingOptions } from './policy/import-names.js';
import { openInput, readOptionsOf } from './ends/open-input.js';
import { pickImages } from './policy/pick-image.js';
import { readProgress } from './ends/read-progress.js';
import { convertSchema1Image } from './policy/schema1-image.js';
import { selectPlatforms, type PlatformArgs } from './policy/platform-filter.js';
import { unpackPlatformImage, type UnpackOutcome } from './unpack-image.js';
import { resolveUnpackTarget, type UnpackChoice } from './policy/unpack-target.js';

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
  /** `--max-size`: cap on the archive's tar bytes, e.g. `20G` (default $FERRY_MAX_IMPORT_SIZE, else 256 GiB). */
  maxSize?: string;
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

export interface NotImportedImage {
  names: string[];
  digest: string;
  /** Platforms the image holds complete, which --platform could ask for. */
  platforms: string[];
  reason: string;
}

export interface ImportResult {
  archive: string;
  format: ArchiveContents['format'];
  selection: string;
  images: ImportedImage[];
  /** Images of the archive that have none of the selected platforms: listed, not imported, not an error. */
  notImported: NotImportedImage[];
  /** Entries of the archive that were skipped, in words (an index.json entry that is not an image). */
  warnings: string[];
}

/**
 * Imports an archive: one streaming pass into a staging area of the store, then, image by image, names,
 * platform filter, completeness and unpack of the chosen platform, and only then a single atomic commit of blobs
 * and records. Any failure before the commit leaves the store exactly as it was.
 *
 * Each image of a multi-image archive stands on its own, as in `ctr images import`: the images with the selected
 * (or host) platform are imported and the others listed with their platforms. Only an explicit --platform that
 * no image of the archive has is an error. An image that is one manifest, not an index (docker save, podman
 * save), is imported whatever its platform, as `docker load` does; unpack then says whether the host runs it.
 */
export async function importArchive(store: Store, path: string, opts: ImportOptions): Promise<ImportResult> {
  const host = opts.host ?? hostPlatform();
  const selection = selectPlatforms(opts, host);
  const input = await openInput(path);
  const staging = await store.stage();
  // Snapshots this import unpacked: a failed import removes them, so it leaves no snapshot behind.
  const created: string[] = [];
  try {
    const progress = opts.onProgress;
    const shown = progress ? (stream: Readable) => chain(stream, readProgress(progress, input.size)) : (stream: Readable) => stream;
    const { reread, ...read } = readOptionsOf(input);
    const contents = pickImages(await readArchive(shown(input.stream), staging, {
      ...read,
      // A file whose metadata comes last is read again (survey, then writing): each pass shows its progress.
      ...(reread ? { reread: { path: reread.path, open: () => shown(reread.open()) } } : {}),
      maxBytes: maxImportSize(opts.maxSize),
    }), input);
    const images: ImportedImage[] = [];
    const notImported: NotImportedImage[] = [];
    const warnings: string[] = [];
    const found: Platform[] = [];
    const available = new Set<string>();
    // Why images the host runs were left out for lack of blobs: if nothing imports, that is the error to report.
    const incomplete: FerryError[] = [];
    const keep = new Map<string, Descriptor>();
    const records: { name: string; target: Descriptor }[] = [];
    for (const entry of contents.images) {
      if (!isImageMediaType(entry.target.mediaType)) {
        warnings.push(`${input.where}: skipped ${entry.target.digest}: media type ${entry.target.mediaType} is not an image index or manifest`);
        continue;
      }
      requireClaimedSize(entry.target, contents.blobs, input.where);
      const archived = await convertSchema1Image(staging, entry);
      const single = !isIndex(archived.target.mediaType);
      const resolved = await resolveImage(staging, archived.target, single ? { all: true } : selection.filter);
      const names = nameImage(archived, opts);
      // The staging area also sees the store's blobs: a delta is complete when the store holds its base.
      if (isDelta(archived.target)) requireDeltaBase(resolved, names[0] ?? archived.target.digest, input.where);
      const verdict = judgeImage(resolved, single, selection.requested, opts, contents.blobs, `${input.where}: image ${labelOf(archived)}`);
      found.push(...verdict.found);
      const platforms = availablePlatforms(resolved).map(formatPlatform);
      for (const p of platforms) available.add(p);
      if (verdict.leaveOut) {
        if (verdict.incomplete) incomplete.push(verdict.incomplete);
        notImported.push({ names, digest: archived.target.digest, platforms, reason: verdict.leaveOut });
        continue;
      }
      const summary = summarize(resolved, names);
      if (opts.unpack !== false) {
        summary.unpack = await unpack(store, staging, resolved, opts, selection.requested, host);
        const made = summary.unpack?.outcome;
        if (made && !made.reused) created.push(made.snapshot);
      }
      // The engine settles what the store keeps. The staging area already holds the archive's blobs, so this copy
      // into it writes nothing; it is partial because the verdict above has decided what may be imported.
      const kept = await transferImage(staging, staging, archived.target, { selection, completeIndex: false, partial: true, resolved });
      for (const d of kept.blobs) keep.set(d.digest, d);
      for (const name of names) records.push({ name, target: withoutDeltaMark(archived.target) });
      images.push(summary);
    }
    requireEveryRequestedPlatform(selection.requested, found, [...available], input.where);
    if (opts.indexName && contents.index) {
      keep.set(contents.index.desc.digest, contents.index.desc);
      records.push({ name: importNames({ digest: contents.index.desc.digest, refName: opts.indexName, repoTags: [] }, opts)[0]!, target: contents.index.desc });
    }
    if (images.length === 0 && incomplete.length > 0) throw incomplete[0]!;
    if (images.length === 0 && notImported.length > 0) {
      const choices = notImported.length === 1 ? notImported[0]!.platforms.join(', ') : notImported.map((n) => `${n.names[0] ?? n.digest}: ${n.platforms.join(', ') || 'none'}`).join('; ');
      throw new FerryError('ERR_PLATFORM_NOT_FOUND', `${input.where}: no image has content the host can run (${selection.label})`, {
        path: input.where,
        hint: `available: ${choices || 'none'}; use --all-platforms or --platform P`,
      });
    }
    if (images.length === 0) {
      throw new FerryError('ERR_UNSUPPORTED_ARCHIVE', `${input.where} holds no image`, { path: input.where, hint: 'the archive is empty or not an image archive' });
    }
    await staging.commit({ keep: [...keep.keys()], records });
    return { archive: input.where, format: contents.format, selection: selection.label, images, notImported, warnings };
  } catch (err) {
    await staging.abort();
    input.stream.destroy();
    await Promise.all(created.map((snapshot) => rm(snapshot, { recursive: true, force: true })));
    throw err;
  }
}

function isImageMediaType(mediaType: string): boolean {
  return isIndex(mediaType) || isManifest(mediaType) || isSchema1(mediaType);
}

function labelOf(found: ArchiveImage): string {
  return found.containerdName ?? found.refName ?? found.repoTags[0] ?? found.target.digest;
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

interface Verdict {
  /** Why the image stays out, or undefined when it is imported. */
  leaveOut?: string;
  /** When it stays out because the content the host runs lacks blobs: the error that says which. */
  incomplete?: FerryError;
  /** The requested platforms this image has. */
  found: Platform[];
}

/**
 * Whether one image of the archive is imported. --all-platforms takes whatever is complete and reports the rest.
 * A requested platform the image holds only in part is an error (the user named it); one it lacks leaves the
 * image out. With the host default an index needs a complete platform the host runs (artifacts, having no
 * platform, always qualify); a single manifest is taken whatever its platform.
 */
function judgeImage(resolved: ResolvedImage, single: boolean, requested: Platform[], opts: ImportOptions, blobs: ArchiveContents['blobs'], label: string): Verdict {
  if (opts.allPlatforms) return { found: [] };
  if (requested.length > 0) {
    const found: Platform[] = [];
    for (const p of requested) {
      const hit = resolved.selected.find((s) => s.platform && onlyStrict(p).match(s.platform));
      if (!hit) continue;
      found.push(p);
      if (!isComplete(hit)) throw sizeLie(hit, blobs, label) ?? incompleteError(hit, resolved, label);
    }
    return found.length > 0 ? { found } : { found, leaveOut: `none of ${requested.map(formatPlatform).join(', ')}` };
  }
  // A descriptor that lies about a blob's size makes an archive corrupt, not a platform question.
  for (const s of resolved.selected) {
    const lie = sizeLie(s, blobs, label);
    if (lie) throw lie;
  }
  const complete = resolved.selected.filter(isComplete);
  // Under the host filter every selected manifest is one the host runs: one that lacks blobs explains the leave-out.
  const lacking = resolved.selected.find((s) => !isComplete(s));
  const incomplete = lacking ? { incomplete: incompleteError(lacking, resolved, label) } : {};
  if (single) return complete.length > 0 ? { found: [] } : { found: [], leaveOut: 'incomplete in the archive', ...incomplete };
  const runnable = complete.some((s) => s.platform);
  const artifactsOnly = complete.length > 0 && complete.length === resolved.selected.length && !runnable;
  return runnable || artifactsOnly ? { found: [] } : { found: [], leaveOut: 'no complete platform the host runs', ...incomplete };
}

/** An explicit --platform must be in some image of the archive; which images lack it is not an error. */
function requireEveryRequestedPlatform(requested: Platform[], found: Platform[], available: string[], where: string): void {
  const hits = new Set(found.map((p) => formatPlatform(normalizePlatform(p))));
  const absent = requested.filter((p) => !hits.has(formatPlatform(normalizePlatform(p))));
  if (absent.length === 0) return;
  throw new FerryError('ERR_PLATFORM_NOT_FOUND', `${where}: no image of the archive has a ${absent.map(formatPlatform).join(', ')} manifest`, {
    path: where,
    hint: `available: ${available.join(', ') || 'none'}; choose with --platform, or use --all-platforms`,
  });
}

/** An index.json entry whose size disagrees with the blob the archive holds under its digest lies about it. */
function requireClaimedSize(target: Descriptor, blobs: ArchiveContents['blobs'], where: string): void {
  const lie = sizeMismatch(target, blobs, `${where}: the archive's index`, where);
  if (lie) throw lie;
}

/**
 * A platform's content counts as missing when a descriptor's size disagrees with the blob the archive holds under
 * its digest: that is a lie (ERR_SIZE_MISMATCH), not a platform question or an absent blob.
 */
function sizeLie(image: PlatformImage, blobs: ArchiveContents['blobs'], label: string): FerryError | undefined {
  const platform = image.platform ? formatPlatform(image.platform) : 'its platform';
  for (const desc of image.missing) {
    const lie = sizeMismatch(desc, blobs, `${label} (${platform})`);
    if (lie) return lie;
  }
  return undefined;
}

/** The error for `desc` when the archive holds a blob of its digest with another size; `who` describes it. */
function sizeMismatch(desc: Descriptor, blobs: ArchiveContents['blobs'], who: string, path?: string): FerryError | undefined {
  const held = blobs.get(desc.digest);
  if (held === undefined || held === desc.size) return undefined;
  return new FerryError('ERR_SIZE_MISMATCH', `${who} describes ${desc.digest} as ${desc.size} bytes, but the archive's blob is ${held} bytes`, {
    ...(path === undefined ? {} : { path }),
    digest: desc.digest,
    hint: 'the archive is corrupt or was tampered with; export it again',
  });
}

function incompleteError(image: PlatformImage, resolved: ResolvedImage, label: string): FerryError {
  return incompletePlatform(label, image.platform ? formatPlatform(image.platform) : 'its platform', resolved, image.missing);
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
