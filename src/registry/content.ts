import { Readable } from 'node:stream';
import { FerryError } from '../errors.js';
import type { Descriptor } from '../oci/descriptor.js';
import { verifyBytes } from '../oci/digest.js';
import { MAX_DOCUMENT_BYTES } from '../oci/document.js';
import { isIndex, isManifest, isSchema1 } from '../oci/mediatypes.js';
import type { ContentSource, ContentTarget } from '../oci/transport.js';
import { addReferrerByTag, referrerDescriptor, subjectOf } from './referrers.js';
import type { RegistryRepository } from './repository.js';
import { uploadBlob, type UploadOutcome } from './upload.js';

export interface RegistryContentOptions {
  /** A sibling repository (same registry) to mount blobs from instead of uploading them. */
  mountFrom?: string;
  chunkSize?: number;
}

/** What a push did with each blob, for the summary: skipped, mounted or sent. */
export type UploadCounts = Record<UploadOutcome, number> & { manifests: number; referrerTags: number };

/** Manifests and indexes live under /manifests/ in a registry, everything else under /blobs/. */
export function isManifestType(mediaType: string): boolean {
  return isIndex(mediaType) || isManifest(mediaType) || isSchema1(mediaType);
}

/**
 * A registry repository as a ContentSource and ContentTarget, so the graph walk and the copy treat it like the
 * store or an archive. Documents read or written are kept (they are small and capped) so a walk that reads a
 * manifest after checking it exists, or a tag after a push, costs no extra round trip.
 */
export class RegistryContent implements ContentSource, ContentTarget {
  private readonly documents = new Map<string, Buffer>();
  readonly counts: UploadCounts = { exists: 0, mounted: 0, uploaded: 0, manifests: 0, referrerTags: 0 };

  constructor(
    readonly repo: RegistryRepository,
    private readonly opts: RegistryContentOptions = {},
  ) {}

  /**
   * The descriptor a tag or digest points at. A Docker schema1 manifest is returned as it is: converting it needs
   * somewhere to write the new config and manifest, which is the caller's (see ops/ends/registry-schema1.ts).
   */
  async resolve(reference: string): Promise<Descriptor> {
    const { desc, bytes } = await this.repo.getManifest(reference);
    this.documents.set(desc.digest, bytes);
    return desc;
  }

  /** A blob's size, for sources that must say it (Schema1Source): schema1 manifests record none. */
  async stat(digest: string): Promise<{ size: number } | undefined> {
    const cached = this.documents.get(digest);
    if (cached) return { size: cached.length };
    const size = await this.repo.blobSize(digest);
    return size === undefined ? undefined : { size };
  }

  async has(desc: Descriptor): Promise<boolean> {
    if (this.documents.has(desc.digest)) return true;
    return isManifestType(desc.mediaType) ? this.repo.hasManifest(desc) : this.repo.hasBlob(desc);
  }

  async fetch(desc: Descriptor): Promise<Readable> {
    const cached = this.documents.get(desc.digest);
    if (cached) return Readable.from([cached]);
    if (!isManifestType(desc.mediaType)) return this.repo.fetchBlob(desc);
    const { bytes } = await this.repo.getManifest(desc.digest);
    this.documents.set(desc.digest, bytes);
    return Readable.from([bytes]);
  }

  async write(desc: Descriptor, stream: Readable): Promise<void> {
    if (!isManifestType(desc.mediaType)) {
      this.counts[await uploadBlob(this.repo, desc, stream, this.opts)]++;
      return;
    }
    const bytes = await readDocument(desc, stream);
    this.documents.set(desc.digest, bytes);
    if (await this.repo.hasManifest(desc)) {
      this.counts.exists++;
      return;
    }
    await this.putManifest(desc.digest, desc, bytes);
    this.counts.manifests++;
  }

  /** Points a tag at a manifest already written (or read) through this object. */
  async tag(desc: Descriptor, tag: string): Promise<void> {
    const bytes = this.documents.get(desc.digest) ?? (await this.repo.getManifest(desc.digest)).bytes;
    await this.putManifest(tag, desc, bytes);
  }

  /** A manifest with a subject is also listed under its subject's fallback tag when the registry has no referrers API. */
  private async putManifest(reference: string, desc: Descriptor, bytes: Buffer): Promise<void> {
    const { subjectAccepted } = await this.repo.putManifest(reference, desc.mediaType, bytes);
    const subject = isSchema1(desc.mediaType) ? undefined : subjectOf(desc, bytes);
    if (subject && !subjectAccepted) {
      if (await addReferrerByTag(this.repo, subject, referrerDescriptor(desc, bytes))) this.counts.referrerTags++;
    }
  }
}

async function readDocument(desc: Descriptor, stream: Readable): Promise<Buffer> {
  if (desc.size > MAX_DOCUMENT_BYTES) {
    stream.destroy();
    throw new FerryError('ERR_TOO_LARGE', `manifest ${desc.digest} claims ${desc.size} bytes, more than the ${MAX_DOCUMENT_BYTES} allowed`, { digest: desc.digest });
  }
  const parts: Buffer[] = [];
  let total = 0;
  for await (const piece of stream) {
    total += (piece as Buffer).length;
    if (total > desc.size) break;
    parts.push(piece as Buffer);
  }
  stream.destroy();
  const bytes = Buffer.concat(parts);
  verifyBytes(bytes, desc, `manifest ${desc.digest}`);
  return bytes;
}
