import { FerryError } from '../../errors.js';
import { leaves } from '../../graph/handlers.js';
import { readDocument } from '../../graph/read-document.js';
import { type Handler, walk } from '../../graph/walk.js';
import type { Descriptor } from '../../oci/descriptor.js';
import { isDigest } from '../../oci/digest.js';
import { isIndex, isManifest } from '../../oci/mediatypes.js';
import { formatReference, parseReference } from '../../oci/reference.js';
import { IndexSchema, ManifestSchema } from '../../oci/schemas.js';
import type { Store } from '../../store/index.js';
import { readIndexFile } from '../../store/records.js';

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
  const found: StoreDocument[] = [];
  const isDocument = (d: Descriptor) => isIndex(d.mediaType) || isManifest(d.mediaType);
  const read: Handler = async (desc) => {
    if (!(await store.has(desc))) return [];
    // The entry's name annotations are the record's, not the document's.
    const { annotations: _entryNames, ...plain } = desc;
    if (isIndex(desc.mediaType)) {
      const index = (await readDocument(store, plain, IndexSchema)).value;
      found.push(document(plain, index.subject?.digest, index.artifactType, index.annotations));
      return index.manifests;
    }
    const manifest = (await readDocument(store, plain, ManifestSchema)).value;
    found.push(document(plain, manifest.subject?.digest, manifest.artifactType ?? manifest.config.mediaType, manifest.annotations));
    // A manifest's config and layers are never read.
    return [];
  };
  const handler = leaves((d) => !isDocument(d), () => undefined)(read);
  await walk((await readIndexFile(store.paths.index)).manifests, handler);
  return found;
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

/**
 * What a user names on the command line: an image name in the store, a bare digest (`sha256:…`), or
 * `NAME@sha256:…` for a manifest inside an image (one platform of an index). Names win over digests.
 */
export async function lookupStoreDocument(store: Store, text: string): Promise<{ name?: string; desc: Descriptor }> {
  const digest = isDigest(text) ? text : undefined;
  const ref = digest ? undefined : parseReference(text);
  const name = ref && formatReference(ref);
  const record = name === undefined ? undefined : await store.getImage(name);
  if (record) return { name: record.name, desc: record.target };
  const wanted = digest ?? ref?.digest;
  const found = wanted === undefined ? undefined : await findStoreDocument(store, wanted);
  if (found) return { ...(name ? { name } : {}), desc: found };
  throw new FerryError('ERR_NOT_FOUND', `no image or manifest ${name ?? text} in the store ${store.root}`, {
    hint: "see 'ferry images ls'; a manifest inside an image is named NAME@sha256:…",
  });
}
