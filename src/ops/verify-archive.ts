import { readArchive, type ArchiveContents, type ArchiveImage } from '../archive/read/index.js';
import { maxDecompressionRatio } from '../oci/bomb-guard.js';
import type { ContentSource } from '../oci/transport.js';
import { checkDiffIDs, type DiffIDCheck } from './policy/archive-diffids.js';
import { imageTree, type ImageTree } from './policy/image-tree.js';
import { MetadataSink } from './ends/metadata-sink.js';
import { openInput, readOptionsOf } from './ends/open-input.js';
import { pickImages } from './policy/pick-image.js';

export interface ArchiveTrees {
  archive: string;
  format: ArchiveContents['format'];
  /** Blobs in the archive, every one verified against its digest and size while read. */
  blobs: number;
  bytes: number;
  images: ImageTree[];
}

export interface VerifyResult extends ArchiveTrees {
  /** Every image complete and every manifest.json path present. */
  complete: boolean;
  /** manifest.json paths into blobs/ that the archive does not hold. */
  dockerManifestMissing: string[];
  /** Every present layer's uncompressed digest matched its config's diff_ids (a mismatch is thrown instead). */
  diffIDs: DiffIDCheck;
}

/**
 * Reads an archive once, keeping only its documents in memory: every blob is hashed and checked against the digest
 * its name promises (a mismatch fails the read with ERR_DIGEST_MISMATCH / ERR_SIZE_MISMATCH), then each image's
 * graph is walked from the documents kept. With `uncompressedDigests` every compressed blob is also decompressed in
 * that pass (bounded like unpack), so its diffID can be checked.
 */
export async function readArchiveTrees(
  path: string,
  opts: { uncompressedDigests?: boolean } = {},
): Promise<ArchiveTrees & { contents: ArchiveContents; sink: MetadataSink }> {
  const sink = new MetadataSink(opts.uncompressedDigests ? { uncompressedDigests: { ratio: maxDecompressionRatio() } } : {});
  const input = await openInput(path);
  const contents = pickImages(await readArchive(input.stream, sink, readOptionsOf(input)), input);
  const images = [];
  for (const found of contents.images) images.push(await imageTree(sink as ContentSource, archiveNames(found), found.target));
  const bytes = [...contents.blobs.values()].reduce((a, b) => a + b, 0);
  return { archive: input.where, format: contents.format, blobs: contents.blobs.size, bytes, images, contents, sink };
}

/**
 * `ferry verify`: is the archive intact — every blob's digest and size, every present layer's diffID — (else a
 * FerryError is thrown) and complete (else `complete` is false)?
 */
export async function verifyArchive(path: string): Promise<VerifyResult> {
  const { contents, sink, ...trees } = await readArchiveTrees(path, { uncompressedDigests: true });
  const diffIDs = await checkDiffIDs(sink, trees.images);
  const dockerManifestMissing = [];
  for (const entry of contents.dockerManifest ?? []) {
    for (const file of [entry.Config, ...entry.Layers]) {
      const digest = /^blobs\/(sha256|sha512)\/([0-9a-f]+)$/.exec(file);
      if (digest && !contents.blobs.has(`${digest[1]}:${digest[2]}`)) dockerManifestMissing.push(file);
    }
  }
  const complete = trees.images.every((i) => i.status === 'complete') && dockerManifestMissing.length === 0;
  return { ...trees, complete, dockerManifestMissing: [...new Set(dockerManifestMissing)], diffIDs };
}

/** The names an archive gives an image, as written (no base name is invented for tag-only names). */
export function archiveNames(found: ArchiveImage): string[] {
  const names = [found.containerdName, found.refName, ...found.repoTags].filter((n): n is string => Boolean(n));
  return [...new Set(names)];
}
