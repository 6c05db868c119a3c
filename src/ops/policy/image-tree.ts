import { isComplete, resolveImage, type ManifestContent } from '../../graph/resolve.js';
import type { Descriptor } from '../../oci/descriptor.js';
import type { ContentSource } from '../../oci/transport.js';
import { formatPlatform } from '../../platform/index.js';
import { isDelta } from './delta.js';

/** A blob of the tree: what its descriptor says, and whether the source holds it. */
export interface TreeBlob {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  /** `missing`: the source lacks it; `external`: a non-distributable layer that lives at its URLs. */
  state: 'present' | 'missing' | 'external';
}

export interface TreeManifest {
  platform: string;
  manifest: TreeBlob;
  config?: TreeBlob;
  layers: TreeBlob[];
  complete: boolean;
  /** Digests the source lacks (the manifest itself when it is absent). */
  missing: string[];
  attestations: TreeManifest[];
}

export interface ImageTree {
  names: string[];
  target: TreeBlob;
  /** Marked as a delta archive: partial on purpose, to be completed by a store holding the base. */
  delta: boolean;
  /** Nested indexes walked below the top one. */
  indexes: string[];
  manifests: TreeManifest[];
  /** Index entries that are not image manifests (unknown artifacts). */
  other: TreeBlob[];
  /** complete: every platform's content is there (attestations may be absent, as after docker save). */
  status: 'complete' | 'partial';
}

/** The tree index → platforms → manifest → config and layers of one image, with what the source lacks. */
export async function imageTree(source: ContentSource, names: string[], target: Descriptor): Promise<ImageTree> {
  const resolved = await resolveImage(source, target, { all: true });
  const manifests = resolved.selected.map((s) => ({ ...manifestTree(s), attestations: s.attachments.map(manifestTree) }));
  return {
    names,
    target: blob(target, 'present'),
    delta: isDelta(target),
    indexes: resolved.indexes.slice(1).map((d) => d.digest),
    manifests,
    other: await Promise.all(resolved.skipped.map(async (d) => blob(d, (await source.has(d)) ? 'present' : 'missing'))),
    status: manifests.every((m) => m.complete) ? 'complete' : 'partial',
  };
}

function manifestTree(content: ManifestContent): TreeManifest {
  const missing = new Set(content.missing.map((d) => d.digest));
  const external = new Set(content.external.map((d) => d.digest));
  const state = (d: Descriptor) => (missing.has(d.digest) ? 'missing' : external.has(d.digest) ? 'external' : 'present');
  return {
    platform: content.platform ? formatPlatform(content.platform) : 'unknown',
    manifest: blob(content.manifest, state(content.manifest)),
    ...(content.config ? { config: blob(content.config, state(content.config)) } : {}),
    layers: content.layers.map((l) => blob(l, state(l))),
    complete: isComplete(content),
    missing: [...missing],
    attestations: [],
  };
}

function blob(desc: Descriptor, state: TreeBlob['state']): TreeBlob {
  return {
    mediaType: desc.mediaType,
    digest: desc.digest,
    size: desc.size,
    ...(desc.annotations && Object.keys(desc.annotations).length > 0 ? { annotations: desc.annotations } : {}),
    state,
  };
}
