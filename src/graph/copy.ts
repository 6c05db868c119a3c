import { Transform, type Readable } from 'node:stream';
import { FerryError } from '../errors.js';
import { availablePlatforms, incompletePlatform, isComplete, resolveImage, type ManifestContent, type PlatformImage, type PlatformSelection, type ResolvedImage } from './resolve.js';
import { chain } from '../oci/chain.js';
import type { Descriptor, Platform } from '../oci/descriptor.js';
import { isIndex } from '../oci/mediatypes.js';
import type { ContentSource, ContentTarget } from '../oci/transport.js';
import { formatPlatform, normalizePlatform } from '../platform/index.js';
import { OverlaySource } from './overlay-source.js';
import { rewriteIndex } from './rewrite-index.js';

export const DEFAULT_JOBS = 4;

export interface TransferOptions {
  selection: PlatformSelection;
  /**
   * Registries (and archives) refuse an index naming manifests they do not get: when platforms are left out, the
   * index is rewritten to those that go. The store keeps the original index and what it holds of it instead.
   */
  completeIndex: boolean;
  /**
   * For archives, which may be partial (export --allow-partial; an attestation whose blobs a docker save left
   * out): every selected manifest and attachment travels with whatever the source holds of it. The caller has
   * already decided that this is acceptable; registries and stores get complete platforms only.
   */
  partial?: boolean;
  /** The image as the caller already resolved it, from this source with this selection: it is not read again. */
  resolved?: ResolvedImage;
  /** Blobs copied at once (default 4). */
  jobs?: number;
  onProgress?: (written: number, desc: Descriptor) => void;
}

export interface TransferResult {
  /** The top descriptor written: the source's, or the rewritten index. */
  target: Descriptor;
  /** The source's top digest, when the index was rewritten. */
  originalDigest?: string;
  platforms: string[];
  /** Platforms the source holds only in part, left out. */
  incomplete: string[];
  /** Blob digests the target now needs (for a store commit). */
  blobs: Descriptor[];
  /** Blobs actually copied (not already at the target) and their bytes. */
  copied: number;
  bytes: number;
}

/**
 * Copies an image from any source to any target: resolve and filter the graph, then write config and layer
 * blobs `jobs` at a time, then the manifests, then the indexes, innermost first, so a registry never sees a
 * manifest before its blobs or an index before its manifests. Blobs the target has are skipped.
 */
export async function transferImage(source: ContentSource, target: ContentTarget, top: Descriptor, opts: TransferOptions): Promise<TransferResult> {
  const resolved = opts.resolved ?? (await resolveImage(source, top, opts.selection.filter));
  const going = chooseContent(resolved, opts);
  const overlay = new OverlaySource(source);
  let finalTop = top;
  let originalDigest: string | undefined;
  const leftOut = resolved.skipped.length > 0 || going.length < resolved.selected.length || resolved.indexes.length > 1;
  if (opts.completeIndex && isIndex(top.mediaType) && leftOut) {
    const rewritten = rewriteIndex({ ...resolved, selected: going });
    finalTop = overlay.add(rewritten.mediaType, rewritten.bytes);
    originalDigest = top.digest;
  }
  const contents = going.flatMap((image) => [image, ...image.attachments]);
  const leaves = unique(contents.flatMap((c) => present(c, [...(c.config ? [c.config] : []), ...c.layers])));
  const manifests = unique(contents.flatMap((c) => present(c, [c.manifest])));
  const indexes = finalTop === top ? [...resolved.indexes].reverse() : [finalTop];
  const tops = isIndex(finalTop.mediaType) ? indexes : [];

  const result = { copied: 0, bytes: 0 };
  const copy = async (desc: Descriptor) => {
    if (await target.has(desc)) return;
    const stream = await overlay.fetch(desc);
    await target.write(desc, opts.onProgress ? counted(stream, desc, opts.onProgress) : stream);
    result.copied++;
    result.bytes += desc.size;
  };
  await forEachLimit(leaves, opts.jobs ?? DEFAULT_JOBS, copy);
  await forEachLimit(manifests, opts.jobs ?? DEFAULT_JOBS, copy);
  for (const index of tops) await copy(index);
  return {
    target: finalTop,
    ...(originalDigest ? { originalDigest } : {}),
    platforms: going.map((s) => platformLabel(s.platform)),
    incomplete: resolved.selected.filter((s) => !isComplete(s)).map((s) => platformLabel(s.platform)),
    blobs: unique([...leaves, ...manifests, ...tops]),
    ...result,
  };
}

/**
 * The platforms that travel. Named platforms (--platform) must be complete in the source; the host default needs
 * at least one complete match; --all-platforms takes every complete one and reports the rest. A partial copy
 * takes every selected one as it is.
 */
function chooseContent(resolved: ResolvedImage, opts: TransferOptions): PlatformImage[] {
  if (opts.partial) return resolved.selected;
  const complete = resolved.selected.filter(isComplete).map((image) => ({ ...image, attachments: image.attachments.filter(isComplete) }));
  for (const wanted of opts.selection.requested) {
    const hit = resolved.selected.find((s) => s.platform && sameNormalized(wanted, s.platform));
    if (!hit || !isComplete(hit)) {
      throw incompletePlatform('the source', formatPlatform(wanted), resolved, hit?.missing ?? []);
    }
  }
  if (complete.length === 0) {
    throw new FerryError('ERR_PLATFORM_NOT_FOUND', `the image has no complete platform matching ${opts.selection.label}`, {
      hint: `available: ${available(resolved).join(', ') || 'none'}; use --platform P or --all-platforms`,
    });
  }
  return complete;
}

function sameNormalized(a: Platform, b: Platform): boolean {
  return formatPlatform(normalizePlatform(a)) === formatPlatform(normalizePlatform(b));
}

function available(resolved: ResolvedImage): string[] {
  return availablePlatforms(resolved).map(formatPlatform);
}

function platformLabel(platform: Platform | undefined): string {
  return platform ? formatPlatform(platform) : 'unknown';
}

/** A content's blobs that the source holds (foreign layers stay at their URLs). */
function present(content: ManifestContent, descs: Descriptor[]): Descriptor[] {
  const absent = new Set([...content.missing, ...content.external].map((d) => d.digest));
  return descs.filter((d) => !absent.has(d.digest));
}

function unique(descs: Descriptor[]): Descriptor[] {
  return [...new Map(descs.map((d) => [d.digest, d])).values()];
}

/** The stream, reporting bytes as they pass; a source error reaches the reader. */
function counted(stream: Readable, desc: Descriptor, onProgress: (written: number, desc: Descriptor) => void): Readable {
  let written = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      written += chunk.length;
      onProgress(written, desc);
      done(null, chunk);
    },
  });
  return chain(stream, counter);
}

/** Runs `work` over `items`, at most `limit` at a time; the first failure stops new work and is thrown. */
export async function forEachLimit<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const item = items[next++] as T;
      try {
        await work(item);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}
