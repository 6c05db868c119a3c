import type { Descriptor } from '../oci/descriptor.js';
import { isIndex, isManifest } from '../oci/mediatypes.js';
import { IndexSchema, ManifestSchema } from '../oci/schemas.js';
import { parseDocument } from '../oci/document.js';

/**
 * The content a document points to: an index's manifests, a manifest's config and layers. A manifest's
 * `subject` is not a child: a referrer travels with its subject, not the other way round.
 */
export function childrenOf(desc: Descriptor, bytes: Buffer): Descriptor[] {
  const where = `${desc.mediaType} ${desc.digest}`;
  if (isIndex(desc.mediaType)) return parseDocument(IndexSchema, bytes, where).value.manifests;
  if (isManifest(desc.mediaType)) {
    const manifest = parseDocument(ManifestSchema, bytes, where).value;
    return [manifest.config, ...manifest.layers];
  }
  return [];
}

/** Documents whose children must be read to walk the graph. */
export function hasChildren(desc: Descriptor): boolean {
  return isIndex(desc.mediaType) || isManifest(desc.mediaType);
}
