/**
 * `ferry import`'s reader: a streaming pass over any image archive ferry knows (plain, gzip or zstd; a file
 * or stdin; entries in any order), every blob images reference into the sink, and a list of the images the
 * archive names. Resolving names, choosing platforms and checking completeness are the caller's (the graph's)
 * business.
 *
 * Entries no image references are never written, so a tiny archive cannot fill the disk with them. Metadata
 * first (as ferry writes archives) makes that known as entries stream by. A file whose metadata comes last
 * (ctr, docker) is surveyed first and then read again to write only what its images reference; an archive read
 * once (stdin) writes entries it cannot place yet, up to FERRY_MAX_UNREFERENCED_SIZE bytes when compressed.
 */
import type { Readable } from 'node:stream';
import { FerryError } from '../../errors.js';
import { maxDecompressionRatio } from '../../oci/bomb-guard.js';
import type { BlobSink } from '../../oci/transport.js';
import type { ArchiveContents } from './contents.js';
import { parseDockerManifest, synthesizeDockerImages } from './docker-save.js';
import { maxImportSize, maxUnreferencedSize } from './archive-budget.js';
import { readOciLayout } from './oci-layout.js';
import { scanArchive, type ScannedArchive, SurveyNeeded } from './scan.js';
import { type ArchiveFileSource, surveyArchive } from './survey.js';
import type { ScanLimits } from './tar-pass.js';
import { wantedEntries } from './wanted-entries.js';

export interface ReadArchiveOptions {
  /** Names the archive in messages: its file name, or `stdin`. */
  where: string;
  /** The archive file's size, when known: a compressed archive may inflate to FERRY_MAX_DECOMPRESSION_RATIO times it. */
  size?: number;
  /** Cap on the archive's tar bytes; default FERRY_MAX_IMPORT_SIZE, else 256 GiB (see archive-budget.ts). */
  maxBytes?: number;
  /** The archive as a file, which can be read again: it can then be surveyed before it is written. */
  reread?: ArchiveFileSource;
}

export async function readArchive(input: Readable, sink: BlobSink, opts: ReadArchiveOptions): Promise<ArchiveContents> {
  const { where } = opts;
  const scan = await scanEntries(input, sink, opts, {
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

/**
 * One pass when the input cannot be read again, or when nothing needs deciding before the metadata arrives;
 * else the first pass stops at the first entry it cannot place, and a survey and a second pass take over.
 */
async function scanEntries(input: Readable, sink: BlobSink, opts: ReadArchiveOptions, limits: ScanLimits): Promise<ScannedArchive> {
  const { where, reread } = opts;
  const cap = maxUnreferencedSize();
  if (!reread) return scanArchive(input, sink, where, limits, { undecided: 'write', cap, plainExempt: true });
  try {
    return await scanArchive(input, sink, where, limits, { undecided: 'stop' });
  } catch (err) {
    if (!(err instanceof SurveyNeeded)) throw err;
  }
  const wanted = wantedEntries(await surveyArchive(reread, where, limits), where);
  return scanArchive(reread.open(), sink, where, limits, wanted ? { wanted } : { undecided: 'write', cap, plainExempt: false });
}
