import { FerryError } from '../errors.js';
import { type Descriptor, type Platform } from '../oci/descriptor.js';
import { isImageConfig, isIndex, isManifest, isNonDistributable } from '../oci/mediatypes.js';
import { ImageConfigSchema, ManifestSchema } from '../oci/schemas.js';
import type { ContentSource } from '../oci/transport.js';
import { attestationSubject, formatPlatform, type Matcher } from '../platform/index.js';
import { filterPlatforms, leaves, presentOnly, skipAttestations, visiting } from './handlers.js';
import { readBlobBytes, readDocument } from './read-document.js';
import { children, compose, type DocumentReader, indexesOnce, walk } from './walk.js';

/** Which platforms of an index to take: all of them, or those a matcher accepts. */
export type PlatformFilter = { all: true } | { all?: false; matcher: Matcher };

/** A platform filter with what the user asked for: the plan a copy follows. */
export interface PlatformSelection {
  filter: PlatformFilter;
  /** Platforms named with --platform, parsed. */
  requested: Platform[];
  /** In words, for messages: "all platforms", "linux/arm64, linux/amd64", "host linux/amd64". */
  label: string;
}

/** A manifest and what it needs, with whatever the source lacks listed in `missing`. */
export interface ManifestContent {
  manifest: Descriptor;
  /** From the index descriptor, else from the image config; absent for artifacts without one. */
  platform?: Platform;
  config?: Descriptor;
  layers: Descriptor[];
  /** Foreign / non-distributable layers the source lacks: not missing, they live at their URLs. */
  external: Descriptor[];
  missing: Descriptor[];
}

export interface PlatformImage extends ManifestContent {
  /** Attestation manifests whose subject is this manifest; their absence never makes the image incomplete. */
  attachments: ManifestContent[];
}

export interface ResolvedImage {
  target: Descriptor;
  /** Index documents walked, the top one first. */
  indexes: Descriptor[];
  selected: PlatformImage[];
  /** Entries of the index the filter left out; a manifest's platform is read from its config when the entry has none. */
  skipped: Descriptor[];
  /** The manifests among `skipped`, with what the source holds of them: what "available" is answered from. */
  others: ManifestContent[];
  /** Nested indexes the source lacks: whatever platforms they name are missing too. */
  missingIndexes: Descriptor[];
}

/**
 * Walks an image from its top descriptor, keeping the manifests the filter selects (and their attestations),
 * and notes every blob the source lacks instead of failing, so callers can import or report partial images.
 * The walk is the one every graph walk uses (walk.ts), composed of the handlers in handlers.ts.
 */
export async function resolveImage(source: ContentSource, target: Descriptor, filter: PlatformFilter): Promise<ResolvedImage> {
  const memo = new ResolveMemo(source);
  if (!(await memo.has(target))) {
    throw new FerryError('ERR_BLOB_MISSING', `image ${target.digest} is not in the source`, {
      digest: target.digest,
      hint: 'the archive or store does not hold the image it names; export it again',
    });
  }
  if (!isIndex(target.mediaType) && !isManifest(target.mediaType)) {
    throw new FerryError('ERR_UNSUPPORTED_MEDIA_TYPE', `${target.digest} has media type ${target.mediaType}, which is not an image index or manifest`, {
      digest: target.digest,
      hint: 'name an image, not a blob',
    });
  }
  const resolved: ResolvedImage = { target, indexes: [], selected: [], skipped: [], others: [], missingIndexes: [] };
  const attestations: Descriptor[] = [];
  const isEntry = (d: Descriptor) => isManifest(d.mediaType);
  const handler = compose(
    visiting((d) => isIndex(d.mediaType), (d) => resolved.indexes.push(d)),
    // Entries that are neither (unknown artifacts) are listed, not walked.
    leaves((d) => !isIndex(d.mediaType) && !isManifest(d.mediaType), (d) => {
      resolved.skipped.push(d);
    }),
    // A manifest left out still says which platform it is: the entry's, else its config's (podman and buildah).
    filterPlatforms(filter, isEntry, async (d) => (await memo.content(d)).platform, (d, platform) => {
      resolved.skipped.push({ ...d, platform });
      resolved.others.push(memo.contentNow(d));
    }),
    leaves(isEntry, async (d) => {
      resolved.selected.push({ ...(await memo.content(d)), attachments: [] });
    }),
    presentOnly((d) => memo.has(d), (d) => isIndex(d.mediaType), (d) => resolved.missingIndexes.push(d)),
    skipAttestations((d) => attestations.push(d)),
  )(children(memo));
  await walk([target], handler, { key: indexesOnce() });
  for (const att of attestations) {
    const subject = resolved.selected.find((s) => s.manifest.digest === attestationSubject(att));
    if (subject) subject.attachments.push(await manifestContent(source, att, memo));
  }
  return resolved;
}

/**
 * What one resolve has learnt, by digest: an index may name the same manifest (or manifests sharing layers) many
 * times, and each distinct blob is read and looked up once, so the walk costs what the distinct descriptors do.
 * It is the walk's document reader too, so an index read to list its children is read once.
 */
class ResolveMemo implements DocumentReader {
  private readonly present = new Map<string, Promise<boolean>>();
  private readonly documents = new Map<string, Promise<Buffer>>();
  private readonly manifests = new Map<string, Promise<ManifestBlobs>>();
  /** Per index entry (each its own object): what the platform filter and the selection both need. */
  private readonly contents = new WeakMap<Descriptor, { pending: Promise<ManifestContent>; value?: ManifestContent }>();

  constructor(readonly source: ContentSource) {}

  has(desc: Pick<Descriptor, 'digest' | 'size'>): Promise<boolean> {
    let known = this.present.get(desc.digest);
    if (!known) this.present.set(desc.digest, (known = this.source.has(desc as Descriptor)));
    return known;
  }

  readDocument(desc: Pick<Descriptor, 'digest' | 'size'>): Promise<Buffer> {
    let known = this.documents.get(desc.digest);
    if (!known) this.documents.set(desc.digest, (known = readBlobBytes(this.source, desc as Descriptor)));
    return known;
  }

  manifest(desc: Descriptor): Promise<ManifestBlobs> {
    let known = this.manifests.get(desc.digest);
    if (!known) this.manifests.set(desc.digest, (known = readManifestBlobs(this, desc)));
    return known;
  }

  content(desc: Descriptor): Promise<ManifestContent> {
    let known = this.contents.get(desc);
    if (!known) {
      const entry: { pending: Promise<ManifestContent>; value?: ManifestContent } = { pending: manifestContent(this.source, desc, this) };
      entry.pending = entry.pending.then((value) => (entry.value = value));
      this.contents.set(desc, (known = entry));
    }
    return known.pending;
  }

  /** The content `content(desc)` has already resolved. */
  contentNow(desc: Descriptor): ManifestContent {
    const value = this.contents.get(desc)?.value;
    if (!value) throw new Error(`resolve: content of ${desc.digest} read before it was resolved`);
    return value;
  }
}

/** A manifest's blobs as the source holds them; the same for every descriptor of that manifest. */
interface ManifestBlobs {
  config: Descriptor;
  layers: Descriptor[];
  external: Descriptor[];
  missing: Descriptor[];
  /** Read on first use only: most index entries carry their platform. */
  configPlatform(): Promise<Platform | undefined>;
}

/** Reads a manifest (when present) and checks which of its blobs the source holds. */
export async function manifestContent(source: ContentSource, desc: Descriptor, memo = new ResolveMemo(source)): Promise<ManifestContent> {
  if (!(await memo.has(desc))) return { manifest: desc, layers: [], external: [], missing: [desc], ...(desc.platform ? { platform: desc.platform } : {}) };
  const blobs = await memo.manifest(desc);
  const platform = desc.platform ?? (await blobs.configPlatform());
  // Fresh arrays per descriptor: callers may add to them.
  return { manifest: desc, config: blobs.config, layers: [...blobs.layers], external: [...blobs.external], missing: [...blobs.missing], ...(platform ? { platform } : {}) };
}

async function readManifestBlobs(memo: ResolveMemo, desc: Descriptor): Promise<ManifestBlobs> {
  const manifest = (await readDocument(memo.source, desc, ManifestSchema)).value;
  const present = await Promise.all([manifest.config, ...manifest.layers].map((d) => memo.has(d)));
  let configPlatform: Promise<Platform | undefined> | undefined;
  const blobs: ManifestBlobs = {
    config: manifest.config,
    layers: manifest.layers,
    external: [],
    missing: [],
    configPlatform: () => (configPlatform ??= present[0] && isImageConfig(manifest.config.mediaType) ? platformFromConfig(memo.source, manifest.config) : Promise.resolve(undefined)),
  };
  [manifest.config, ...manifest.layers].forEach((d, i) => {
    if (present[i]) return;
    if (isNonDistributable(d.mediaType)) blobs.external.push(d);
    else blobs.missing.push(d);
  });
  return blobs;
}

async function platformFromConfig(source: ContentSource, desc: Descriptor): Promise<Platform | undefined> {
  const config = (await readDocument(source, desc, ImageConfigSchema)).value;
  if (!config.os || !config.architecture) return undefined;
  return {
    os: config.os,
    architecture: config.architecture,
    ...(config.variant ? { variant: config.variant } : {}),
    ...(config['os.version'] ? { 'os.version': config['os.version'] } : {}),
    ...(config['os.features'] ? { 'os.features': config['os.features'] } : {}),
  };
}

/** The one completeness check: a manifest is complete when the source holds it and every blob it needs. */
export function isComplete(content: ManifestContent): boolean {
  return content.missing.length === 0;
}

/**
 * The one answer to "which platforms could I have asked for": those of the image, selected or left out, whose
 * content is complete in the source, the selected ones first. A platform the source holds only in part is not
 * available, whatever its index entry says.
 */
export function availablePlatforms(image: Pick<ResolvedImage, 'selected' | 'others'>): Platform[] {
  const complete = [...image.selected, ...image.others].filter((c) => c.platform && isComplete(c));
  const seen = new Map<string, Platform>();
  for (const c of complete) seen.set(formatPlatform(c.platform!), c.platform!);
  return [...seen.values()];
}

/**
 * The one error for a platform that was asked for and is not complete in the source (import, export, merge, pull,
 * push and copy): what it lacks, and the platforms that are available instead. `wanted` is the platform in words;
 * `remedy` is the command's own way out, after the available platforms.
 */
export function incompletePlatform(
  label: string,
  wanted: string,
  image: Pick<ResolvedImage, 'selected' | 'others'>,
  missing: readonly Descriptor[],
  remedy = 'choose with --platform, or use --all-platforms',
): FerryError {
  return new FerryError('ERR_INCOMPLETE', `${label} has no complete content for ${wanted}${missing.length > 0 ? ` (missing ${missing.map((m) => m.digest).join(', ')})` : ''}`, {
    ...(missing[0] ? { digest: missing[0].digest } : {}),
    hint: `available: ${availablePlatforms(image).map(formatPlatform).join(', ') || 'none'}; ${remedy}`,
  });
}

/** Every blob a resolved image needs that the source holds: documents, configs, layers, attachments. */
export function presentBlobs(image: ResolvedImage): Descriptor[] {
  const out = new Map<string, Descriptor>();
  const add = (d: Descriptor) => out.set(d.digest, d);
  add(image.target);
  image.indexes.forEach(add);
  for (const content of [...image.selected, ...image.selected.flatMap((s) => s.attachments)]) {
    const missing = new Set(content.missing.map((m) => m.digest));
    const external = new Set(content.external.map((m) => m.digest));
    for (const d of [content.manifest, ...(content.config ? [content.config] : []), ...content.layers]) {
      if (!missing.has(d.digest) && !external.has(d.digest)) add(d);
    }
  }
  return [...out.values()];
}
