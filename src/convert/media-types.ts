import { MediaType } from '../oci/mediatypes.js';

/** The two families of image media types: Docker schema2 and OCI. */
export type ImageFormat = 'oci' | 'docker';

/** Docker ↔ OCI pairs. OCI non-distributable layers map to Docker foreign layers (same meaning). */
const PAIRS: [docker: string, oci: string][] = [
  [MediaType.dockerManifestList, MediaType.ociIndex],
  [MediaType.dockerManifest, MediaType.ociManifest],
  [MediaType.dockerConfig, MediaType.ociConfig],
  [MediaType.dockerLayer, MediaType.ociLayer],
  [MediaType.dockerLayerGzip, MediaType.ociLayerGzip],
  [MediaType.dockerLayerZstd, MediaType.ociLayerZstd],
  [MediaType.dockerForeignLayer, MediaType.ociLayerNondistributable],
  [MediaType.dockerForeignLayerGzip, MediaType.ociLayerNondistributableGzip],
];

const TO_OCI = new Map(PAIRS);
const TO_DOCKER = new Map(PAIRS.map(([docker, oci]) => [oci, docker]));

/**
 * The media type `mediaType` has in `format`; types of neither family (in-toto statements, artifacts) and
 * types without a counterpart (an OCI non-distributable zstd layer has no Docker twin) stay as they are.
 */
export function mediaTypeIn(format: ImageFormat, mediaType: string): string {
  return (format === 'oci' ? TO_OCI.get(mediaType) : TO_DOCKER.get(mediaType)) ?? mediaType;
}
