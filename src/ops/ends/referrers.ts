import type { ExportImage } from '../../archive/write/index.js';
import { isComplete, presentBlobs, resolveImage } from '../../graph/resolve.js';
import type { Descriptor } from '../../oci/descriptor.js';
import { normalizeName, parseReference, repositoryName } from '../../oci/reference.js';
import type { Store } from '../../store/index.js';
import { listStoreDocuments, type StoreDocument } from './store-documents.js';

/**
 * Referrers: manifests (signatures, SBOMs, artifacts `ferry artifact pack --subject` made) whose `subject` names
 * an image. They are not part of the image's graph — an image never points to them — so they are found by
 * scanning the store, and travel with their subject only when asked (`ferry export --referrers`).
 */

/** A referrer as the distribution spec's referrers API describes it: its descriptor plus artifactType and annotations. */
export interface Referrer extends Descriptor {
  /** The digest the referrer's `subject` names. */
  subject: string;
}

/** subject digest → referrers of it, over every manifest and index the store holds. */
export async function referrersBySubject(store: Store, documents?: StoreDocument[]): Promise<Map<string, Referrer[]>> {
  const bySubject = new Map<string, Referrer[]>();
  for (const doc of documents ?? (await listStoreDocuments(store))) {
    if (doc.subject === undefined) continue;
    const referrer: Referrer = {
      mediaType: doc.desc.mediaType,
      digest: doc.desc.digest,
      size: doc.desc.size,
      ...(doc.artifactType === undefined ? {} : { artifactType: doc.artifactType }),
      ...(doc.annotations === undefined ? {} : { annotations: doc.annotations }),
      subject: doc.subject,
    };
    bySubject.set(doc.subject, [...(bySubject.get(doc.subject) ?? []), referrer]);
  }
  return bySubject;
}

/** The referrers of one subject (an index or manifest digest) in the store, in index.json order. */
export async function findReferrers(store: Store, subjectDigest: string): Promise<Descriptor[]> {
  return ((await referrersBySubject(store)).get(subjectDigest) ?? []).map(({ subject: _subject, ...desc }) => desc);
}

export interface ReferrerExport {
  /** One index.json entry per referrer. */
  images: ExportImage[];
  /** Every blob the referrers need that the store holds. */
  blobs: Descriptor[];
  /** Referrers left out because the store holds them only in part. */
  incomplete: string[];
}

/**
 * What `ferry export --referrers` adds for an image: the referrers of `subjects` (the image's top digest and its
 * manifests' digests), and theirs in turn (a signature of an SBOM), each as an index.json entry with its blobs.
 * An entry is named as the store names the referrer, else `<repository of the image>@<referrer digest>`, so an
 * import of the archive keeps it under a name. Referrers the store holds only in part are left out and listed.
 */
export async function referrerExports(store: Store, imageName: string, subjects: Iterable<string>): Promise<ReferrerExport> {
  const bySubject = await referrersBySubject(store);
  const storeNames = new Map<string, string>();
  for (const record of await store.listImages()) if (!storeNames.has(record.target.digest)) storeNames.set(record.target.digest, record.name);
  const repository = repositoryName(parseReference(imageName));
  const out: ReferrerExport = { images: [], blobs: [], incomplete: [] };
  const seen = new Set<string>();
  const queue = [...subjects];
  for (let subject = queue.shift(); subject !== undefined; subject = queue.shift()) {
    for (const referrer of bySubject.get(subject) ?? []) {
      if (seen.has(referrer.digest)) continue;
      seen.add(referrer.digest);
      const { subject: _subject, annotations: _annotations, ...target } = referrer;
      const resolved = await resolveImage(store, target, { all: true });
      if (!resolved.selected.every(isComplete)) {
        out.incomplete.push(referrer.digest);
        continue;
      }
      out.images.push({ name: storeNames.get(referrer.digest) ?? normalizeName(`${repository}@${referrer.digest}`), target });
      out.blobs.push(...presentBlobs(resolved));
      queue.push(referrer.digest, ...resolved.selected.map((s) => s.manifest.digest));
    }
  }
  return out;
}
