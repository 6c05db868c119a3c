import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import { FerryError } from '../errors.js';
import { Annotation, type Descriptor } from '../oci/descriptor.js';
import { digestOf } from '../oci/digest.js';
import { serializeDocument } from '../oci/document.js';
import { EMPTY_JSON, MediaType } from '../oci/mediatypes.js';
import type { BlobSink } from '../oci/transport.js';
import { checkTitle } from './title.js';

/** oras' default when no type is given: OCI 1.1 requires artifactType on a manifest whose config is empty. */
export const DEFAULT_ARTIFACT_TYPE = 'application/vnd.unknown.artifact.v1';
export const DEFAULT_FILE_MEDIA_TYPE = 'application/octet-stream';

export interface PackFile {
  path: string;
  /** The layer's media type; the pack's default when absent. */
  mediaType?: string;
}

export interface PackOptions {
  artifactType?: string;
  /** Media type of files that name none. */
  mediaType?: string;
  /** Manifest annotations; written sorted by key, as Go's encoder writes maps. */
  annotations?: Record<string, string>;
  /** The image (manifest or index) this artifact refers to. */
  subject?: Descriptor;
}

export interface PackedArtifact {
  desc: Descriptor;
  bytes: Buffer;
  /** Every blob written: the empty config and the layers (not the manifest). */
  blobs: Descriptor[];
}

/**
 * Builds an OCI 1.1 artifact manifest from files: artifactType set, config = the empty JSON descriptor (with its
 * `data`), one layer per file titled with its basename. Files are streamed into `sink` (hashed on the way, never
 * held in memory); the manifest is returned, not written, so the caller decides where it goes. The same files
 * and options give the same digest: no timestamp is added unless the caller passes one as an annotation.
 */
export async function packArtifact(sink: BlobSink, files: PackFile[], opts: PackOptions = {}): Promise<PackedArtifact> {
  if (files.length === 0) throw new FerryError('ERR_USAGE', 'an artifact needs at least one file', { hint: 'name the files to pack' });
  const titles = new Set<string>();
  const layers: Descriptor[] = [];
  for (const file of files) {
    const title = checkTitle(basename(file.path), file.path);
    if (titles.has(title)) {
      throw new FerryError('ERR_CONFLICT', `two files are named ${title}`, {
        path: file.path,
        hint: 'each layer is titled with its file name; rename one of the files',
      });
    }
    titles.add(title);
    await checkRegularFile(file.path);
    const written = await sink.writeUnknown(createReadStream(file.path, { highWaterMark: 256 * 1024 }));
    layers.push({ mediaType: file.mediaType ?? opts.mediaType ?? DEFAULT_FILE_MEDIA_TYPE, ...written, annotations: { [Annotation.title]: title } });
  }
  const config = { ...EMPTY_JSON };
  await sink.write(config, Readable.from([Buffer.from('{}')]));
  const manifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    artifactType: opts.artifactType ?? DEFAULT_ARTIFACT_TYPE,
    config,
    layers,
    ...(opts.subject ? { subject: { mediaType: opts.subject.mediaType, digest: opts.subject.digest, size: opts.subject.size } } : {}),
    ...(opts.annotations && Object.keys(opts.annotations).length > 0 ? { annotations: sortedRecord(opts.annotations) } : {}),
  };
  const bytes = serializeDocument(manifest);
  const desc: Descriptor = { mediaType: MediaType.ociManifest, digest: digestOf(bytes), size: bytes.length, artifactType: manifest.artifactType };
  return { desc, bytes, blobs: [config, ...layers] };
}

async function checkRegularFile(path: string): Promise<void> {
  const info = await stat(path);
  if (!info.isFile()) {
    throw new FerryError('ERR_USAGE', `${path} is not a regular file`, {
      path,
      hint: 'pack files one by one, or tar a directory first (a tar layer is extracted again by `ferry extract`)',
    });
  }
}

function sortedRecord(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
