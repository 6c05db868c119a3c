/**
 * Archives with an `oci-layout` file: plain OCI layouts, containerd exports and Docker 25+ saves. index.json
 * names the images; a docker-save manifest.json beside it adds RepoTags, or — when Docker 25.0 wrote
 * `"manifests": null` — is the only list of images there is.
 */
import { FerryError } from '../../errors.js';
import { Annotation, type Descriptor } from '../../oci/descriptor.js';
import { parseDocument } from '../../oci/document.js';
import { checkLayoutVersion } from '../../oci/layout.js';
import { isImageConfig, isIndex, isManifest, MediaType } from '../../oci/mediatypes.js';
import { type DockerSaveEntry, IndexSchema, ManifestSchema, OciLayoutSchema } from '../../oci/schemas.js';
import type { BlobSink } from '../../oci/transport.js';
import { safeEntryName } from '../tar-safety.js';
import type { ArchiveContents, ArchiveImage } from './contents.js';
import { parseDockerManifest, synthesizeDockerImages } from './docker-save.js';
import { blobPath, resolveEntry, type ScannedArchive } from './scan.js';

export async function readOciLayout(scan: ScannedArchive, sink: BlobSink, where: string): Promise<ArchiveContents> {
  const layout = parseDocument(OciLayoutSchema, requireDocument(scan, 'oci-layout', where), `${where}:oci-layout`).value;
  checkLayoutVersion(layout.imageLayoutVersion, `${where}:oci-layout`);
  const indexBytes = requireDocument(scan, 'index.json', where);
  const index = parseDocument(IndexSchema, indexBytes, `${where}:index.json`).value;
  const indexFile = scan.files.get('index.json')!;
  const manifestJson = scan.documents.get('manifest.json');
  const dockerManifest = manifestJson && parseDockerManifest(manifestJson, where);
  const withDocker = dockerManifest ? { dockerManifest } : {};

  if (index.manifests.length === 0 && dockerManifest && dockerManifest.length > 0) {
    // Early Docker 25.0: index.json lists nothing, so read the archive the way a legacy one is read.
    const images = await synthesizeDockerImages(scan, dockerManifest, sink, where);
    return { format: 'docker-hybrid', images, blobs: scan.blobs, ...withDocker };
  }

  const images = index.manifests.map((target): ArchiveImage => {
    const containerdName = target.annotations?.[Annotation.containerdImageName];
    const refName = target.annotations?.[Annotation.refName];
    return {
      target,
      ...(containerdName === undefined ? {} : { containerdName }),
      ...(refName === undefined ? {} : { refName }),
      repoTags: dockerManifest ? repoTagsFor(scan, target, dockerManifest, where) : [],
    };
  });
  return {
    format: scan.files.has('repositories') ? 'docker-hybrid' : dockerManifest ? 'containerd-export' : 'oci-layout',
    index: { desc: { mediaType: index.mediaType ?? MediaType.ociIndex, digest: indexFile.digest, size: indexFile.size }, bytes: indexBytes },
    images,
    blobs: scan.blobs,
    ...withDocker,
  };
}

function requireDocument(scan: ScannedArchive, name: string, where: string): Buffer {
  const bytes = scan.documents.get(name);
  if (bytes) return bytes;
  throw new FerryError('ERR_UNSUPPORTED_ARCHIVE', `${where} has an oci-layout file but no ${name}`, {
    path: `${where}:${name}`,
    hint: 'the OCI image layout is incomplete; export it again',
  });
}

/**
 * The RepoTags manifest.json gives the image `target` points to: manifest.json names configs, so the entries
 * whose config is the target manifest's config (or, for an index, one of its manifests' configs) belong to it.
 * Documents not in memory or not parsable give no tags; the graph walk reports broken content.
 */
function repoTagsFor(scan: ScannedArchive, target: Descriptor, entries: DockerSaveEntry[], where: string): string[] {
  const configs = new Set<string>();
  const addConfigOf = (desc: Descriptor) => {
    const manifest = parseQuietly(ManifestSchema, scan.documents.get(blobPath(desc.digest)));
    // Only image configs identify an image: every artifact shares the empty JSON config.
    if (manifest && isImageConfig(manifest.config.mediaType)) configs.add(manifest.config.digest);
  };
  if (isManifest(target.mediaType)) addConfigOf(target);
  if (isIndex(target.mediaType)) {
    const index = parseQuietly(IndexSchema, scan.documents.get(blobPath(target.digest)));
    for (const child of index?.manifests ?? []) if (isManifest(child.mediaType)) addConfigOf(child);
  }
  const tags: string[] = [];
  for (const entry of entries) {
    const config = resolveEntry(scan, safeEntryName(entry.Config, `${where}:manifest.json`), where);
    if (config && configs.has(config.file.digest)) tags.push(...entry.RepoTags);
  }
  return tags;
}

function parseQuietly<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false } }, bytes: Buffer | undefined): T | undefined {
  if (!bytes) return undefined;
  try {
    const parsed = schema.safeParse(JSON.parse(bytes.toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
