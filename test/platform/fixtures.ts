import { createHash } from 'node:crypto';
import type { Descriptor, Platform } from '../../src/oci/descriptor.js';
import { MediaType } from '../../src/oci/mediatypes.js';

/** An index entry for platform-matching tests; the digest is derived from `name` so every entry is distinct. */
export function entry(name: string, platform?: Platform, extra: Partial<Descriptor> = {}): Descriptor {
  return {
    mediaType: MediaType.ociManifest,
    digest: `sha256:${createHash('sha256').update(name).digest('hex')}`,
    size: 100,
    ...(platform ? { platform } : {}),
    ...extra,
  };
}

/** A BuildKit attestation manifest for `subject`. */
export function attestation(name: string, subject: Descriptor): Descriptor {
  return entry(name, { os: 'unknown', architecture: 'unknown' }, {
    annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': subject.digest },
  });
}
