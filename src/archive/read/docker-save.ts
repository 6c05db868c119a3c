/**
 * docker-save archives (legacy, podman, skopeo, and Docker 25+ ones whose index.json lists nothing) name images
 * only through manifest.json. For each entry a Docker schema2 manifest is synthesized from the files it points
 * to, so the rest of ferry sees every archive as a descriptor graph.
 */
import { Readable } from 'node:stream';
import { FerryError } from '../../errors.js';
import { sniffCompression } from '../../oci/compression.js';
import type { Descriptor, Platform } from '../../oci/descriptor.js';
import { digestOf } from '../../oci/digest.js';
import { parseDocument, serializeDocument } from '../../oci/document.js';
import { layerMediaType, MediaType } from '../../oci/mediatypes.js';
import { type DockerSaveEntry, DockerSaveManifestSchema, type ImageConfig, ImageConfigSchema } from '../../oci/schemas.js';
import type { BlobSink } from '../../oci/transport.js';
import { safeEntryName } from '../tar-safety.js';
import type { ArchiveImage } from './contents.js';
import { type ArchiveFile, resolveEntry, type ScannedArchive } from './scan.js';

export function parseDockerManifest(bytes: Buffer, where: string): DockerSaveEntry[] {
  return parseDocument(DockerSaveManifestSchema, bytes, `${where}:manifest.json`).value;
}

/**
 * One image per manifest.json entry, its manifest written to the sink (and added to `scan.blobs`). Entries of
 * one repository for different platforms stay separate images: grouping them is a naming decision.
 */
export async function synthesizeDockerImages(
  scan: ScannedArchive,
  entries: DockerSaveEntry[],
  sink: BlobSink,
  where: string,
): Promise<ArchiveImage[]> {
  const images: ArchiveImage[] = [];
  for (const entry of entries) {
    const { file: configFile, config } = readConfig(scan, entry.Config, where);
    const layers = entry.Layers.map((layer, i) => layerDescriptor(scan, entry, layer, config.rootfs.diff_ids[i], where));
    // Key order as the schema2 spec lists the fields, so the same archive always gives the same digest.
    const bytes = serializeDocument({
      schemaVersion: 2,
      mediaType: MediaType.dockerManifest,
      config: { mediaType: MediaType.dockerConfig, digest: configFile.digest, size: configFile.size },
      layers,
    });
    const desc: Descriptor = { mediaType: MediaType.dockerManifest, digest: digestOf(bytes), size: bytes.length };
    await sink.write(desc, Readable.from([bytes]));
    scan.blobs.set(desc.digest, desc.size);
    const platform = platformOf(config);
    images.push({ target: platform ? { ...desc, platform } : desc, repoTags: entry.RepoTags });
  }
  return images;
}

function readConfig(scan: ScannedArchive, path: string, where: string): { file: ArchiveFile; config: ImageConfig } {
  const found = resolveEntry(scan, safeEntryName(path, `${where}:manifest.json`), where);
  if (!found) throw missing(path, 'config', where);
  const bytes = scan.documents.get(found.name);
  if (!bytes) {
    throw new FerryError('ERR_INVALID_DOCUMENT', `${where}:${path} is not a JSON image config (or the archive's configs exceed the memory budget)`, {
      path: `${where}:${path}`,
      hint: 'the archive is corrupt; export it again',
    });
  }
  return { file: found.file, config: parseDocument(ImageConfigSchema, bytes, `${where}:${path}`).value };
}

function layerDescriptor(scan: ScannedArchive, entry: DockerSaveEntry, path: string, diffID: string | undefined, where: string): Descriptor {
  // The file a Layers entry names is the layer whenever the archive has it, as ctr and skopeo read it.
  const found = resolveEntry(scan, safeEntryName(path, `${where}:manifest.json`), where);
  if (found) {
    // The media type comes from the bytes: docker writes plain tars, skopeo and crane may write gzip or zstd.
    const { file } = found;
    return { mediaType: layerMediaType('docker', sniffCompression(file.head)), digest: file.digest, size: file.size };
  }
  // Only a layer whose file is absent (a foreign Windows base layer) is the descriptor docker recorded in
  // LayerSources, urls included, so the manifest points where the registry expects it.
  const foreign = diffID === undefined ? undefined : entry.LayerSources?.[diffID];
  if (foreign) return foreign;
  throw missing(path, 'layer', where);
}

/** The platform an image config declares, as containerd puts it on a manifest descriptor. */
function platformOf(config: ImageConfig): Platform | undefined {
  if (!config.os || !config.architecture) return undefined;
  return {
    architecture: config.architecture,
    os: config.os,
    ...(config['os.version'] ? { 'os.version': config['os.version'] } : {}),
    ...(config['os.features']?.length ? { 'os.features': config['os.features'] } : {}),
    ...(config.variant ? { variant: config.variant } : {}),
  };
}

function missing(path: string, what: string, where: string): FerryError {
  return new FerryError('ERR_BLOB_MISSING', `${where}: manifest.json names the ${what} ${JSON.stringify(path)}, which is not in the archive`, {
    path: `${where}:${path}`,
    hint: 'the archive is incomplete; export it again',
  });
}
