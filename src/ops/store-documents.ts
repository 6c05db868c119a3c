import { readDocument } from '../graph/read-document.js';
import type { Descriptor } from '../oci/descriptor.js';
import { isIndex, isManifest } from '../oci/mediatypes.js';
import { IndexSchema, ManifestSchema } from '../oci/schemas.js';
import type { Store } from '../store/index.js';
import { readIndexFile } from '../store/records.js';

/** A manifest or index the store holds, with what a referrers listing needs of it. */
export interface StoreDocument {
  /** As the pointing index (or index.json) describes it. */
  desc: Descriptor;
  /** The digest its `subject` names, when it is a referrer. */
  subject?: string;
  /** `artifactType`, else (for manifests) the config media type, as the distribution spec's referrers API reports it. */
  artifactType?: string;
  annotations?: Record<string, string>;
}

/**
 * Every manifest and index reachable from index.json through indexes, named or not: referrers are found here
 * (oras and other OCI-layout writers list referrers as unnamed index.json entries; ferry names them), and a digest
 * the user gives can be looked up. Layers are never read; blobs the store lacks are passed over.
 */
export async function listStoreDocuments(store: Store): Promise<StoreDocument[]> {
  const queue = [...(await readIndexFile(store.paths.index)).manifests];
  const seen = new Map<string, StoreDocument>();
  for (let desc = queue.shift(); desc !== undefined; desc = queue.shift()) {
    if (seen.has(desc.digest) || !(isIndex(desc.mediaType) || isManifest(desc.mediaType)) || !(await store.has(desc))) continue;
    const { annotations: _entryNames, ...plain } = desc;
    if (isIndex(desc.mediaType)) {
      const index = (await readDocument(store, plain, IndexSchema)).value;
      seen.set(desc.digest, document(plain, index.subject?.digest, index.artifactType, index.annotations));
      queue.push(...index.manifests);
    } else {
      const manifest = (await readDocument(store, plain, ManifestSchema)).value;
      seen.set(desc.digest, document(plain, manifest.subject?.digest, manifest.artifactType ?? manifest.config.mediaType, manifest.annotations));
    }
  }
  return [...seen.values()];
}

function document(desc: Descriptor, subject?: string, artifactType?: string, annotations?: Record<string, string>): StoreDocument {
  return {
    desc,
    ...(subject === undefined ? {} : { subject }),
    ...(artifactType === undefined ? {} : { artifactType }),
    ...(annotations === undefined ? {} : { annotations }),
  };
}

/** A document of the store by digest, for commands that accept `sha256:…` where they accept a name. */
export async function findStoreDocument(store: Store, digest: string): Promise<Descriptor | undefined> {
  return (await listStoreDocuments(store)).find((d) => d.desc.digest === digest)?.desc;
}
