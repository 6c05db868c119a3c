import { isComplete, presentBlobs, resolveImage } from '../graph/resolve.js';
import { isImageConfig } from '../oci/mediatypes.js';
import { formatPlatform } from '../platform/index.js';
import type { Store } from '../store/index.js';
import { referrersBySubject } from './ends/referrers.js';
import { listStoreDocuments } from './ends/store-documents.js';

export interface ReferrerListing {
  digest: string;
  mediaType: string;
  artifactType?: string;
  /** What the referrer's `subject` names: the image's top digest or one of its manifests. */
  subject: string;
}

export interface ImageListing {
  name: string;
  digest: string;
  mediaType: string;
  size: number;
  /** Set for artifacts: their `artifactType`, else their config's media type when it is not an image config. */
  artifactType?: string;
  /** Platforms whose content is all in the store. */
  platforms: string[];
  /** Some platform the index names is held only in part (or not at all): the same boolean as in export's JSON. */
  partial: boolean;
  /** Platforms the index names but the store holds only in part (or not at all). */
  partialPlatforms: string[];
  /** Bytes of the image's blobs the store holds (index, manifests, configs, layers, attestations), each counted once. */
  storedBytes: number;
  /** Manifests in the store whose `subject` is this image or one of its manifests (signatures, SBOMs, artifacts). */
  referrers: ReferrerListing[];
}

/** Every image record with what the store really holds of it, and what refers to it; sorted by name. */
export async function listImages(store: Store): Promise<ImageListing[]> {
  const records = await store.listImages();
  const documents = records.length > 0 ? await listStoreDocuments(store) : [];
  const referrers = await referrersBySubject(store, documents);
  const artifactTypes = new Map(documents.flatMap((d) => (d.artifactType && !isImageConfig(d.artifactType) ? [[d.desc.digest, d.artifactType] as const] : [])));
  const sorted = [...records].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return Promise.all(
    sorted.map(async (record) => {
      const resolved = await resolveImage(store, record.target, { all: true }).catch(() => undefined);
      const label = (p: { platform?: Parameters<typeof formatPlatform>[0] }) => (p.platform ? formatPlatform(p.platform) : 'unknown');
      const partial = resolved
        ? [...resolved.selected.filter((s) => !isComplete(s)).map(label), ...resolved.missingIndexes.map(() => '(nested index missing)')]
        : ['(index missing)'];
      const subjects = [record.target.digest, ...(resolved?.selected.map((s) => s.manifest.digest) ?? [])];
      return {
        name: record.name,
        digest: record.target.digest,
        mediaType: record.target.mediaType,
        size: record.target.size,
        ...(artifactTypes.has(record.target.digest) ? { artifactType: artifactTypes.get(record.target.digest)! } : {}),
        platforms: resolved ? resolved.selected.filter(isComplete).map(label) : [],
        partialPlatforms: partial,
        partial: partial.length > 0,
        storedBytes: resolved ? presentBlobs(resolved).reduce((sum, d) => sum + d.size, 0) : 0,
        referrers: [...new Set(subjects)].flatMap((subject) =>
          (referrers.get(subject) ?? []).map((r) => ({
            digest: r.digest,
            mediaType: r.mediaType,
            ...(r.artifactType ? { artifactType: r.artifactType } : {}),
            subject,
          })),
        ),
      };
    }),
  );
}

