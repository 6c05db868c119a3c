import type { Descriptor } from '../oci/descriptor.js';
import { serializeDocument } from '../oci/document.js';
import { MediaType } from '../oci/mediatypes.js';
import type { ResolvedImage } from './resolve.js';

/**
 * A new index naming only the selected manifests (nested indexes flattened) and their attestations, so an
 * archive of some platforms is complete instead of partial. Same media type family as the original.
 */
export function rewriteIndex(resolved: ResolvedImage, annotations?: Record<string, string>): { mediaType: string; bytes: Buffer } {
  const mediaType = resolved.target.mediaType === MediaType.dockerManifestList ? MediaType.dockerManifestList : MediaType.ociIndex;
  const manifests: Descriptor[] = [];
  for (const image of resolved.selected) {
    manifests.push(image.manifest);
    for (const attachment of image.attachments) manifests.push(attachment.manifest);
  }
  const index = {
    schemaVersion: 2,
    mediaType,
    manifests,
    ...(annotations && Object.keys(annotations).length > 0 ? { annotations } : {}),
  };
  return { mediaType, bytes: serializeDocument(index) };
}
