/**
 * The three small documents at the top of an exported archive: `oci-layout`, `index.json` and the docker-save
 * `manifest.json`. Every object is written with a fixed key order and every list sorted, so the same plan always
 * gives the same bytes.
 */
import { Annotation, type Descriptor, type Platform } from '../../oci/descriptor.js';
import { MediaType } from '../../oci/mediatypes.js';
import { parseReference } from '../../oci/reference.js';
import { blobPath, compareStrings, type DockerSaveImage, type ExportImage } from './export-plan.js';

export function ociLayoutDocument(): Buffer {
  return Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' }));
}

/**
 * index.json: one entry per image, sorted by name, each the image's target descriptor with the names containerd
 * writes: `io.containerd.image.name` is the full name, `org.opencontainers.image.ref.name` only the tag (what
 * skopeo's and umoci's `layout:tag` select by). A name without a tag (by digest only) gets no ref.name, and a
 * ref.name the target already carried is dropped so it cannot name the wrong image.
 */
export function indexDocument(images: ExportImage[]): Buffer {
  const entries = [...images]
    .sort((a, b) => compareStrings(a.name, b.name))
    .filter((image, i, sorted) => i === 0 || sorted[i - 1]?.name !== image.name)
    .map((image) => {
      const annotations: Record<string, string> = { ...image.target.annotations };
      annotations[Annotation.containerdImageName] = image.name;
      const tag = parseReference(image.name).tag;
      if (tag === undefined) delete annotations[Annotation.refName];
      else annotations[Annotation.refName] = tag;
      return orderedDescriptor({ ...image.target, annotations });
    });
  return Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: entries }));
}

/**
 * manifest.json in the Docker 25+ style: Config and Layers are paths into the OCI layout (`blobs/sha256/<hex>`),
 * relative to the archive root, which is how docker load resolves them. Entries are sorted by their first tag,
 * then by config path; tags within an entry are sorted.
 */
export function dockerManifestDocument(images: DockerSaveImage[]): Buffer {
  const entries = images
    .map((image) => ({
      Config: blobPath(image.config.digest),
      RepoTags: [...image.repoTags].sort(compareStrings),
      Layers: image.layers.map((l) => blobPath(l.digest)),
    }))
    .sort((a, b) => compareStrings(a.RepoTags[0] ?? '', b.RepoTags[0] ?? '') || compareStrings(a.Config, b.Config));
  return Buffer.from(JSON.stringify(entries));
}

/**
 * A descriptor with its fields in the image-spec's order and its annotations sorted by key (as Go's encoder
 * writes them). Fields the spec does not define are not written.
 */
function orderedDescriptor(desc: Descriptor): Record<string, unknown> {
  const out: Record<string, unknown> = { mediaType: desc.mediaType, digest: desc.digest, size: desc.size };
  if (desc.urls !== undefined) out.urls = desc.urls;
  if (desc.annotations !== undefined && Object.keys(desc.annotations).length > 0) out.annotations = sortedRecord(desc.annotations);
  if (desc.data !== undefined) out.data = desc.data;
  if (desc.platform !== undefined) out.platform = orderedPlatform(desc.platform);
  if (desc.artifactType !== undefined) out.artifactType = desc.artifactType;
  return out;
}

function orderedPlatform(p: Platform): Record<string, unknown> {
  const out: Record<string, unknown> = { architecture: p.architecture, os: p.os };
  if (p['os.version'] !== undefined) out['os.version'] = p['os.version'];
  if (p['os.features'] !== undefined) out['os.features'] = p['os.features'];
  if (p.variant !== undefined) out.variant = p.variant;
  if (p.features !== undefined) out.features = p.features;
  return out;
}

function sortedRecord(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => compareStrings(a, b)));
}
