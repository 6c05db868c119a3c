import type { Descriptor } from '../../oci/descriptor.js';
import { parseDocument } from '../../oci/document.js';
import { isIndex, isManifest } from '../../oci/mediatypes.js';
import { IndexSchema, ManifestSchema } from '../../oci/schemas.js';

/**
 * containerd's garbage collector keeps content only when something references it by label: an image record
 * keeps its target, an index keeps its manifests (`m.<i>`), a manifest its config and layers. Without these,
 * `ctr content prune references` (and any gc) removes every platform but the one that was unpacked.
 */
export const GcLabel = {
  manifest: (i: number) => `containerd.io/gc.ref.content.m.${i}`,
  config: 'containerd.io/gc.ref.content.config',
  layer: (i: number) => `containerd.io/gc.ref.content.l.${i}`,
  snapshot: (snapshotter: string) => `containerd.io/gc.ref.snapshot.${snapshotter}`,
  uncompressed: 'containerd.io/uncompressed',
  /** On a lease: containerd drops it (and what only it holds) after this time, should ferry die mid-copy. */
  expire: 'containerd.io/gc.expire',
} as const;

export function isGraphDocument(mediaType: string): boolean {
  return isIndex(mediaType) || isManifest(mediaType);
}

/** The reference labels of an index or manifest, from its exact bytes. */
export function childLabels(desc: Descriptor, bytes: Buffer): Record<string, string> {
  const where = `${desc.mediaType} ${desc.digest}`;
  if (isIndex(desc.mediaType)) {
    const index = parseDocument(IndexSchema, bytes, where).value;
    return Object.fromEntries(index.manifests.map((m, i) => [GcLabel.manifest(i), m.digest]));
  }
  const manifest = parseDocument(ManifestSchema, bytes, where).value;
  return {
    [GcLabel.config]: manifest.config.digest,
    ...Object.fromEntries(manifest.layers.map((l, i) => [GcLabel.layer(i), l.digest])),
  };
}
