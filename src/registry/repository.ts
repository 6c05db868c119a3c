import type { Readable } from 'node:stream';
import { FerryError } from '../errors.js';
import type { Descriptor } from '../oci/descriptor.js';
import { digestOf, isDigest, parseDigest } from '../oci/digest.js';
import { MAX_DOCUMENT_BYTES } from '../oci/document.js';
import { MediaType } from '../oci/mediatypes.js';
import { resumableBlob } from './blob-reader.js';
import { discard, errorDetail, type RegistryHttp } from './http.js';

/** Every manifest type ferry reads, so a registry never has to down-convert (or refuse) what it holds. */
export const MANIFEST_ACCEPT = [
  MediaType.ociIndex,
  MediaType.ociManifest,
  MediaType.dockerManifestList,
  MediaType.dockerManifest,
  MediaType.dockerSchema1Signed,
  MediaType.dockerSchema1,
].join(', ');

export interface FetchedManifest {
  desc: Descriptor;
  bytes: Buffer;
}

/**
 * One repository of a registry, in the words of the distribution spec: manifests by tag or digest, blobs by
 * digest. Uploads are in upload.ts, referrers in referrers.ts.
 */
export class RegistryRepository {
  constructor(
    readonly http: RegistryHttp,
    /** Repository path, e.g. `library/alpine`. */
    readonly path: string,
  ) {}

  get domain(): string {
    return this.http.domain;
  }

  pullScope(): string[] {
    return [`repository:${this.path}:pull`];
  }

  pushScope(): string[] {
    return [`repository:${this.path}:pull,push`];
  }

  /** Checks the registry speaks the v2 API and that we may talk to it (authenticating if it asks). */
  async ping(): Promise<void> {
    const res = await this.http.request({ method: 'GET', url: '/v2/', scopes: this.pullScope(), ok: [200], what: 'the API version check' });
    await discard(res);
  }

  /** A manifest or index by tag or digest; its descriptor is computed from the bytes received. */
  async getManifest(reference: string): Promise<FetchedManifest> {
    const named = `${this.path}${isDigest(reference) ? '@' : ':'}${reference}`;
    const what = `manifest ${named}`;
    const res = await this.http.request({
      method: 'GET',
      url: `/v2/${this.path}/manifests/${reference}`,
      headers: { Accept: MANIFEST_ACCEPT },
      scopes: this.pullScope(),
      ok: [200, 404],
      what,
    });
    if (res.status === 404) {
      const detail = await errorDetail(res);
      throw new FerryError('ERR_NOT_FOUND', `${this.domain}/${named} not found (HTTP 404${detail ? ` ${detail}` : ''})`, {
        ...(isDigest(reference) ? { digest: reference } : {}),
        hint: 'check the repository name and the tag or digest',
      });
    }
    const bytes = await readCapped(res, what);
    const mediaType = manifestMediaType(res.headers.get('content-type'), bytes);
    const algorithm = isDigest(reference) ? parseDigest(reference).algorithm : 'sha256';
    const digest = digestOf(bytes, algorithm);
    if (isDigest(reference) && digest !== reference) {
      throw new FerryError('ERR_DIGEST_MISMATCH', `${what} has digest ${digest}`, { digest: reference, hint: 'the registry served other content than asked for; try again or report it to the registry' });
    }
    const claimed = res.headers.get('docker-content-digest');
    // Schema1 signed manifests are digested without their signatures, so only later types can be checked.
    if (claimed && claimed !== digest && !mediaType.includes('manifest.v1')) {
      throw new FerryError('ERR_DIGEST_MISMATCH', `${what} has digest ${digest}, but the registry says ${claimed}`, {
        digest: claimed,
        hint: 'the registry or a proxy altered the manifest; try again',
      });
    }
    return { desc: { mediaType, digest, size: bytes.length }, bytes };
  }

  async hasManifest(desc: Pick<Descriptor, 'digest'>): Promise<boolean> {
    const res = await this.http.request({
      method: 'HEAD',
      url: `/v2/${this.path}/manifests/${desc.digest}`,
      headers: { Accept: MANIFEST_ACCEPT },
      scopes: this.pullScope(),
      ok: [200, 404],
      what: `manifest ${this.path}@${desc.digest}`,
    });
    await discard(res);
    return res.status === 200;
  }

  /** PUTs a manifest under a tag or its digest; says whether the registry took its subject (OCI-Subject). */
  async putManifest(reference: string, mediaType: string, bytes: Buffer): Promise<{ subjectAccepted: boolean }> {
    const res = await this.http.request({
      method: 'PUT',
      url: `/v2/${this.path}/manifests/${reference}`,
      headers: { 'Content-Type': mediaType },
      body: bytes,
      scopes: this.pushScope(),
      ok: [201, 200, 202],
      what: `manifest ${this.path}${isDigest(reference) ? '@' : ':'}${reference}`,
    });
    await discard(res);
    return { subjectAccepted: res.headers.has('oci-subject') };
  }

  async hasBlob(desc: Pick<Descriptor, 'digest' | 'size'>, scopes = this.pullScope()): Promise<boolean> {
    const res = await this.http.request({ method: 'HEAD', url: `/v2/${this.path}/blobs/${desc.digest}`, scopes, ok: [200, 404], what: `blob ${desc.digest}` });
    await discard(res);
    if (res.status !== 200) return false;
    const length = res.headers.get('content-length');
    return length === null || Number(length) === desc.size;
  }

  /**
   * A blob's size from a HEAD (its Content-Length), or undefined when the repository lacks it. Schema1 manifests
   * record no sizes, so this is how their layers are sized before they are read.
   */
  async blobSize(digest: string): Promise<number | undefined> {
    const what = `blob ${digest}`;
    const res = await this.http.request({ method: 'HEAD', url: `/v2/${this.path}/blobs/${digest}`, scopes: this.pullScope(), ok: [200, 404], what });
    await discard(res);
    if (res.status === 404) return undefined;
    const length = res.headers.get('content-length');
    if (length === null || !/^\d+$/.test(length)) {
      throw new FerryError('ERR_REGISTRY', `${this.domain} answered HEAD ${what} without a Content-Length`, {
        digest,
        hint: 'the registry does not follow the distribution spec; its blob sizes are needed to read a schema1 image',
      });
    }
    return Number(length);
  }

  /** A blob, verified while it streams and resumed with a Range request when the connection drops. */
  async fetchBlob(desc: Descriptor): Promise<Readable> {
    const what = `blob ${desc.digest}`;
    const open = async (offset: number) => {
      const res = await this.http.request({
        method: 'GET',
        url: `/v2/${this.path}/blobs/${desc.digest}`,
        headers: offset > 0 ? { Range: `bytes=${offset}-` } : {},
        scopes: this.pullScope(),
        ok: [200, 206, 404],
        what,
      });
      if (res.status === 404) {
        await discard(res);
        throw new FerryError('ERR_BLOB_MISSING', `${this.domain}/${this.path} has no ${what}`, { digest: desc.digest, hint: 'the image in the registry is incomplete; push it again' });
      }
      return res;
    };
    // The first response is awaited here so a missing blob fails the fetch, not the stream later.
    const first = await open(0);
    let used = false;
    return resumableBlob(desc, (offset) => (offset === 0 && !used ? ((used = true), Promise.resolve(first)) : open(offset)), {
      backoff: (n) => this.http.backoff(n),
    });
  }
}

/** The media type of a fetched manifest: Content-Type, else (generic JSON types) the document's own field. */
function manifestMediaType(contentType: string | null, bytes: Buffer): string {
  const type = contentType?.split(';')[0]?.trim() ?? '';
  if (type !== '' && type !== 'application/json' && type !== 'text/plain' && type !== 'application/octet-stream') return type;
  try {
    const doc = JSON.parse(bytes.toString('utf8')) as { mediaType?: unknown; schemaVersion?: unknown; manifests?: unknown };
    if (typeof doc.mediaType === 'string') return doc.mediaType;
    if (doc.schemaVersion === 1) return MediaType.dockerSchema1Signed;
    return Array.isArray(doc.manifests) ? MediaType.ociIndex : MediaType.ociManifest;
  } catch {
    return type || 'application/octet-stream';
  }
}

/** Reads a document body, refusing one larger than any manifest may be before holding it. */
export async function readCapped(res: Response, what: string): Promise<Buffer> {
  const tooLarge = () =>
    new FerryError('ERR_TOO_LARGE', `${what} is more than the ${MAX_DOCUMENT_BYTES} bytes allowed for a manifest`, { hint: 'the registry serves something that is not a manifest' });
  if (Number(res.headers.get('content-length') ?? 0) > MAX_DOCUMENT_BYTES) {
    await discard(res);
    throw tooLarge();
  }
  const parts: Buffer[] = [];
  let total = 0;
  for await (const piece of (res.body ?? []) as AsyncIterable<Uint8Array>) {
    total += piece.byteLength;
    if (total > MAX_DOCUMENT_BYTES) {
      await discard(res);
      throw tooLarge();
    }
    parts.push(Buffer.from(piece));
  }
  return Buffer.concat(parts);
}
