import type { ResolvedImage } from '../../graph/resolve.js';
import type { Descriptor } from '../../oci/descriptor.js';
import { digestOf } from '../../oci/digest.js';
import { parseDocument, serializeDocument } from '../../oci/document.js';
import { IndexSchema } from '../../oci/schemas.js';
import { isAttestation } from '../../platform/index.js';

/**
 * `ferry export --skip-attestations`: BuildKit attestation manifests (unknown/unknown, `vnd.docker.reference.*`)
 * are left out of the archive. Their index entries must go too, or the archive would name content it lacks; the
 * index is therefore rewritten, which gives it a new digest.
 */

export interface IndexWithoutAttestations {
  desc: Descriptor;
  bytes: Buffer;
  /** The attestation entries removed. */
  dropped: Descriptor[];
}

/**
 * The index without its attestation entries, or undefined when it has none (the original stays, digest and all).
 * Only the `manifests` list changes: every other field, unknown ones included, keeps its value and key order, and
 * the descriptor keeps every field of `desc` but digest and size.
 */
export function indexWithoutAttestations(desc: Descriptor, bytes: Buffer): IndexWithoutAttestations | undefined {
  const where = `${desc.mediaType} ${desc.digest}`;
  const manifests = parseDocument(IndexSchema, bytes, where).value.manifests;
  const dropped = manifests.filter(isAttestation);
  if (dropped.length === 0) return undefined;
  // Filtered on the raw JSON, not the parsed value, so every other field stays exactly as it was written.
  const raw = JSON.parse(bytes.toString('utf8')) as { manifests: unknown[] };
  raw.manifests = raw.manifests.filter((_entry, i) => !isAttestation(manifests[i]!));
  const rewritten = serializeDocument(raw);
  return { desc: { ...desc, digest: digestOf(rewritten), size: rewritten.length }, bytes: rewritten, dropped };
}

/** The resolved image without attestation attachments: presentBlobs then leaves their blobs out, rewriteIndex their entries. */
export function withoutAttachments(resolved: ResolvedImage): ResolvedImage {
  return { ...resolved, selected: resolved.selected.map((s) => ({ ...s, attachments: [] })) };
}
