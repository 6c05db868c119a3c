import type { Descriptor } from '../oci/descriptor.js';
import { parseDigest } from '../oci/digest.js';
import { parseDocument, serializeDocument } from '../oci/document.js';
import { MediaType } from '../oci/mediatypes.js';
import { IndexSchema, ManifestSchema } from '../oci/schemas.js';
import { isFerryError } from '../errors.js';
import type { RegistryRepository } from './repository.js';
import { readCapped } from './repository.js';

/** The tag the referrers tag schema keeps a subject's referrers under: `sha256-<hex>`. */
export function referrersTag(subjectDigest: string): string {
  const { algorithm, hex } = parseDigest(subjectDigest);
  return `${algorithm}-${hex}`;
}

/** How a referrer is listed in a referrers index: its artifact type and annotations travel with it. */
export function referrerDescriptor(desc: Descriptor, bytes: Buffer): Descriptor {
  const manifest = parseDocument(ManifestSchema.or(IndexSchema), bytes, `${desc.mediaType} ${desc.digest}`).value;
  const config = (manifest as { config?: { mediaType?: unknown } }).config;
  const artifactType = manifest.artifactType ?? (typeof config?.mediaType === 'string' ? config.mediaType : undefined);
  return {
    mediaType: desc.mediaType,
    digest: desc.digest,
    size: desc.size,
    ...(artifactType ? { artifactType } : {}),
    ...(manifest.annotations ? { annotations: manifest.annotations } : {}),
  };
}

/** The subject a manifest or index names, if any. */
export function subjectOf(desc: Descriptor, bytes: Buffer): Descriptor | undefined {
  return parseDocument(ManifestSchema.or(IndexSchema), bytes, `${desc.mediaType} ${desc.digest}`).value.subject;
}

/**
 * The fallback of the distribution spec for registries without the referrers API (which they show by not
 * answering a manifest PUT with OCI-Subject): the referrer is added to the index tagged `sha256-<hex>` of its
 * subject. Read-modify-write, as the spec describes; concurrent pushers of referrers to one subject may race.
 * Resolves to whether the index changed (false when the referrer was already listed).
 */
export async function addReferrerByTag(repo: RegistryRepository, subject: Descriptor, referrer: Descriptor): Promise<boolean> {
  const tag = referrersTag(subject.digest);
  const existing = await repo.getManifest(tag).catch((err: unknown) => {
    if (isFerryError(err, 'ERR_NOT_FOUND')) return undefined;
    throw err;
  });
  const index = existing ? parseDocument(IndexSchema, existing.bytes, `referrers index ${repo.path}:${tag}`).value : undefined;
  const manifests = index?.manifests ?? [];
  if (manifests.some((m) => m.digest === referrer.digest)) return false;
  const document = { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [...manifests, referrer] };
  await repo.putManifest(tag, MediaType.ociIndex, serializeDocument(document));
  return true;
}

/** A subject's referrers: from the referrers API when the registry has it, else from the fallback tag. */
export async function listReferrers(repo: RegistryRepository, subjectDigest: string): Promise<{ referrers: Descriptor[]; via: 'api' | 'tag' }> {
  const what = `referrers of ${repo.path}@${subjectDigest}`;
  const res = await repo.http.request({
    method: 'GET',
    url: `/v2/${repo.path}/referrers/${subjectDigest}`,
    headers: { Accept: MediaType.ociIndex },
    scopes: repo.pullScope(),
    ok: [200, 404],
    what,
  });
  const bytes = await readCapped(res, what);
  if (res.status === 200 && (res.headers.get('content-type') ?? '').startsWith(MediaType.ociIndex)) {
    return { referrers: parseDocument(IndexSchema, bytes, what).value.manifests, via: 'api' };
  }
  try {
    const tagged = await repo.getManifest(referrersTag(subjectDigest));
    return { referrers: parseDocument(IndexSchema, tagged.bytes, what).value.manifests, via: 'tag' };
  } catch (err) {
    if (isFerryError(err, 'ERR_NOT_FOUND')) return { referrers: [], via: 'tag' };
    throw err;
  }
}
