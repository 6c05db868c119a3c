/**
 * `ferry import`'s reader: one streaming pass over any image archive ferry knows (plain, gzip or zstd; a file
 * or stdin; entries in any order), every blob into the sink, and a list of the images the archive names.
 * Resolving names, choosing platforms and checking completeness are the caller's (the graph's) business.
 */
import type { Readable } from 'node:stream';
import { FerryError } from '../../errors.js';
import { maxDecompressionRatio } from '../../oci/bomb-guard.js';
import type { BlobSink } from '../../oci/transport.js';
import type { ArchiveContents } from './contents.js';
import { parseDockerManifest, synthesizeDockerImages } from './docker-save.js';
import { maxImportSize } from './archive-budget.js';
import { readOciLayout } from './oci-layout.js';
import { scanArchive } from './scan.js';

export interface ReadArchiveOptions {
  /** Names the archive in messages: its file name, or `stdin`. */
  where: string;
  /** The archive file's size, when known: a compressed archive may inflate to FERRY_MAX_DECOMPRESSION_RATIO times it. */
  size?: number;
  /** Cap on the archive's tar bytes; default FERRY_MAX_IMPORT_SIZE, else 256 GiB (see archive-budget.ts). */
  maxBytes?: number;
}

export async function readArchive(input: Readable, sink: BlobSink, opts: ReadArchiveOptions): Promise<ArchiveContents> {
  const { where } = opts;
  const scan = await scanArchive(input, sink, where, {
    ...(opts.size === undefined ? {} : { knownSize: opts.size }),
    maxBytes: opts.maxBytes ?? maxImportSize(),
    ratio: maxDecompressionRatio(),
  });
  // Like containerd: an oci-layout file makes it an OCI layout, whatever else is there.
  if (scan.documents.has('oci-layout')) return readOciLayout(scan, sink, where);
  const manifestJson = scan.documents.get('manifest.json');
  if (manifestJson) {
    const dockerManifest = parseDockerManifest(manifestJson, where);
    const images = await synthesizeDockerImages(scan, dockerManifest, sink, where);
    return { format: 'docker-legacy', images, blobs: scan.blobs, dockerManifest };
  }
  if (scan.documents.has('repositories')) {
    throw new FerryError('ERR_UNSUPPORTED_ARCHIVE', `${where} is a docker save archive of the old v1 format (a repositories file, no manifest.json)`, {
      path: where,
      hint: 'load it with docker load and save it again with a current docker, or copy the image with skopeo',
    });
  }
  throw new FerryError('ERR_UNSUPPORTED_ARCHIVE', `${where} is not an image archive (no oci-layout, index.json or manifest.json)`, {
    path: where,
    hint: 'ferry imports OCI image layouts and docker save archives, as tar, tar.gz or tar.zst',
  });
}
