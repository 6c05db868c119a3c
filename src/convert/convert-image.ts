import { Readable } from 'node:stream';
import { FerryError } from '../errors.js';
import { readDocument } from '../graph/read-document.js';
import type { Compression } from '../oci/compression.js';
import type { Descriptor } from '../oci/descriptor.js';
import { digestOf } from '../oci/digest.js';
import { serializeDocument } from '../oci/document.js';
import { isImageConfig, isIndex, isManifest, isNonDistributable, layerCompression, layerMediaType } from '../oci/mediatypes.js';
import { ImageConfigSchema, IndexSchema, ManifestSchema } from '../oci/schemas.js';
import type { BlobSink, ContentSource } from '../oci/transport.js';
import { transcodeLayer } from './layer-transcode.js';
import { type ImageFormat, mediaTypeIn } from './media-types.js';

export interface ConvertOptions {
  /** Switch every index, manifest, config and layer to this family's media types. */
  format?: ImageFormat;
  /** Recompress every image layer to this; layers already in it are kept as they are. */
  layers?: Compression;
}

/** One blob whose digest or media type changed. */
export interface ConvertedBlob {
  kind: 'index' | 'manifest' | 'config' | 'layer';
  from: { mediaType: string; digest: string; size: number };
  to: { mediaType: string; digest: string; size: number };
}

export interface ConvertResult {
  /** The new top descriptor (the same as the input when nothing changed). */
  target: Descriptor;
  changed: ConvertedBlob[];
  /** What the target format could not hold, in words (Docker schema2 has no annotations, artifactType, subject). */
  dropped: string[];
  /** Manifests left as they were because the source lacks them. */
  skipped: string[];
}

/**
 * Rewrites an image graph: media types (docker ↔ OCI) and/or layer compression. Documents that do not change
 * keep their exact bytes; new documents are written to `sink` with a fixed key order. Configs keep their bytes
 * (diffIDs are digests of uncompressed tars, so recompression leaves them valid) and every recompressed layer is
 * checked against its diffID on the way.
 */
export async function convertImage(source: ContentSource, sink: BlobSink, target: Descriptor, opts: ConvertOptions): Promise<ConvertResult> {
  const run = new ConvertRun(source, sink, opts);
  const converted = await run.node(target);
  return { target: converted, changed: [...run.changed.values()], dropped: [...run.dropped], skipped: run.skipped };
}

/** Docker schema2 documents and descriptors have none of these OCI fields. */
const OCI_ONLY_FIELDS = ['annotations', 'artifactType', 'subject'] as const;

class ConvertRun {
  readonly changed = new Map<string, ConvertedBlob>();
  readonly dropped = new Set<string>();
  readonly skipped: string[] = [];
  /** Each blob is converted once, however many manifests share it. */
  private readonly done = new Map<string, Promise<Descriptor>>();

  constructor(
    private readonly source: ContentSource,
    private readonly sink: BlobSink,
    private readonly opts: ConvertOptions,
  ) {}

  node(desc: Descriptor): Promise<Descriptor> {
    const key = `${desc.mediaType} ${desc.digest}`;
    let result = this.done.get(key);
    if (!result) {
      result = isIndex(desc.mediaType) ? this.index(desc) : isManifest(desc.mediaType) ? this.manifest(desc) : Promise.resolve(desc);
      this.done.set(key, result);
    }
    return result.then((converted) => this.descriptor(desc, converted));
  }

  private async index(desc: Descriptor): Promise<Descriptor> {
    const { value } = await readDocument(this.source, desc, IndexSchema);
    const manifests: Descriptor[] = [];
    for (const child of value.manifests) {
      if ((isIndex(child.mediaType) || isManifest(child.mediaType)) && !(await this.source.has(child))) {
        this.skipped.push(child.digest);
        manifests.push(this.descriptor(child, child));
      } else manifests.push(await this.node(child));
    }
    return this.writeDocument('index', desc, { ...value, ...this.documentMediaType(value, desc), manifests }, value);
  }

  private async manifest(desc: Descriptor): Promise<Descriptor> {
    const { value } = await readDocument(this.source, desc, ManifestSchema);
    const diffIDs = isImageConfig(value.config.mediaType) ? (await readDocument(this.source, value.config, ImageConfigSchema)).value.rootfs.diff_ids : [];
    const config = this.descriptor(value.config, { ...value.config, mediaType: this.mediaType(value.config.mediaType) });
    if (config.mediaType !== value.config.mediaType) this.note('config', value.config, config);
    const layers: Descriptor[] = [];
    for (const [i, layer] of value.layers.entries()) layers.push(this.descriptor(layer, await this.layer(layer, diffIDs[i])));
    return this.writeDocument('manifest', desc, { ...value, ...this.documentMediaType(value, desc), config, layers }, value);
  }

  private layer(layer: Descriptor, diffID: string | undefined): Promise<Descriptor> {
    const key = `layer ${layer.digest}`;
    let result = this.done.get(key);
    if (!result) {
      result = this.convertLayer(layer, diffID);
      this.done.set(key, result);
    }
    return result;
  }

  private async convertLayer(layer: Descriptor, diffID: string | undefined): Promise<Descriptor> {
    const current = layerCompression(layer.mediaType);
    const wanted = this.opts.layers;
    const family = this.opts.format ?? (layer.mediaType.startsWith('application/vnd.docker.') ? 'docker' : 'oci');
    // Foreign layers live at their URLs and are not ours to rewrite; non-layers (in-toto…) are not tars.
    if (current === undefined || wanted === undefined || wanted === current || isNonDistributable(layer.mediaType)) {
      const mediaType = this.mediaType(layer.mediaType);
      const result = { ...layer, mediaType };
      if (mediaType !== layer.mediaType) this.note('layer', layer, result);
      return result;
    }
    const facts = await transcodeLayer(this.source, layer, { to: { compression: wanted, sink: this.sink } });
    if (diffID !== undefined && facts.diffID !== diffID) {
      throw new FerryError('ERR_DIGEST_MISMATCH', `layer ${layer.digest} uncompresses to ${facts.diffID}, but the config says diffID ${diffID}`, {
        digest: layer.digest,
        hint: 'the image is corrupt; import or pull it again before converting it',
      });
    }
    const result: Descriptor = { ...layer, mediaType: layerMediaType(family, wanted), digest: facts.written!.digest, size: facts.written!.size };
    this.note('layer', layer, result);
    return result;
  }

  /** Writes a rewritten document unless it is unchanged, in which case the original bytes stay the truth. */
  private async writeDocument(kind: 'index' | 'manifest', desc: Descriptor, value: Record<string, unknown>, original: unknown): Promise<Descriptor> {
    const cleaned = this.opts.format === 'docker' ? this.withoutOciFields(value, `${kind} ${desc.digest}`) : value;
    // Compared as values, not as text: rewriting a descriptor puts its keys in the spec's order, which alone is no change.
    if (sameJson(cleaned, original) && desc.mediaType === cleaned.mediaType) return desc;
    const bytes = serializeDocument(cleaned);
    const converted: Descriptor = { ...desc, mediaType: String(cleaned.mediaType ?? this.mediaType(desc.mediaType)), digest: digestOf(bytes), size: bytes.length };
    await this.sink.write(converted, Readable.from([bytes]));
    this.note(kind, desc, converted);
    return converted;
  }

  /** A child descriptor as its new parent will list it: the converted content, with the parent's own fields kept. */
  private descriptor(original: Descriptor, converted: Descriptor): Descriptor {
    const merged = canonicalDescriptor({ ...original, mediaType: converted.mediaType, digest: converted.digest, size: converted.size });
    return this.opts.format === 'docker' ? (this.withoutOciFields(merged, `descriptor of ${original.digest}`) as Descriptor) : merged;
  }

  private withoutOciFields<T extends Record<string, unknown>>(value: T, what: string): T {
    const copy: Record<string, unknown> = { ...value };
    for (const field of OCI_ONLY_FIELDS) {
      if (copy[field] === undefined) continue;
      this.dropped.add(`${field} of ${what}`);
      delete copy[field];
    }
    return copy as T;
  }

  /** The document's own mediaType field: set when it has one or the conversion changes it, else left absent. */
  private documentMediaType(value: { mediaType?: string | undefined }, desc: Descriptor): { mediaType?: string } {
    const mediaType = this.mediaType(desc.mediaType);
    return value.mediaType === undefined && mediaType === desc.mediaType ? {} : { mediaType };
  }

  private mediaType(mediaType: string): string {
    return this.opts.format ? mediaTypeIn(this.opts.format, mediaType) : mediaType;
  }

  private note(kind: ConvertedBlob['kind'], from: Descriptor, to: Descriptor): void {
    const pick = (d: Descriptor) => ({ mediaType: d.mediaType, digest: d.digest, size: d.size });
    this.changed.set(`${kind} ${from.mediaType} ${from.digest}`, { kind, from: pick(from), to: pick(to) });
  }
}

/** Whether two JSON values are equal whatever the order of their keys. */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameJson(x, b[i]));
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** Descriptor and platform keys in the order the specs (and containerd's Go structs) list them; unknown keys last. */
const DESCRIPTOR_KEYS = ['mediaType', 'artifactType', 'digest', 'size', 'urls', 'annotations', 'data', 'platform'];
const PLATFORM_KEYS = ['architecture', 'os', 'os.version', 'os.features', 'variant', 'features'];

function ordered<T extends Record<string, unknown>>(value: T, keys: string[]): T {
  const rest = Object.keys(value).filter((k) => !keys.includes(k));
  return Object.fromEntries([...keys, ...rest].filter((k) => value[k] !== undefined).map((k) => [k, value[k]])) as T;
}

function canonicalDescriptor(desc: Descriptor): Descriptor {
  const result = ordered(desc, DESCRIPTOR_KEYS);
  return desc.platform ? { ...result, platform: ordered(desc.platform, PLATFORM_KEYS) } : result;
}
