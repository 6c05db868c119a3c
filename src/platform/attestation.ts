import { Annotation, type Descriptor } from '../oci/descriptor.js';

/**
 * BuildKit attestation manifests (SBOM, provenance) sit in an index beside the images they describe, with platform
 * unknown/unknown and annotations naming their subject. They are never an image for a platform; they travel as
 * attachments of their subject (and their blobs are often missing after `docker save`).
 */

export const ATTESTATION_REFERENCE_TYPE = 'attestation-manifest';

export function isAttestation(desc: Pick<Descriptor, 'platform' | 'annotations'>): boolean {
  if (desc.annotations?.[Annotation.dockerReferenceType] === ATTESTATION_REFERENCE_TYPE) return true;
  return desc.platform?.os === 'unknown' && desc.platform.architecture === 'unknown';
}

/** The digest of the image manifest an attestation describes, when it names one. */
export function attestationSubject(desc: Pick<Descriptor, 'annotations'>): string | undefined {
  return desc.annotations?.[Annotation.dockerReferenceDigest];
}
