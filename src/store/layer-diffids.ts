import { isFerryError } from '../errors.js';
import type { Descriptor } from '../oci/descriptor.js';
import { parseDocument } from '../oci/document.js';
import { isImageConfig } from '../oci/mediatypes.js';
import { ImageConfigSchema } from '../oci/schemas.js';
import { diffIDMismatch, diffIDOf, type UncompressedDigest } from '../oci/uncompressed-digest.js';
import type { BlobDirectory } from './blobs.js';

export interface DiffIDProblem {
  kind: 'diffid-mismatch' | 'undecodable-layer';
  message: string;
  digest: string;
}

/**
 * Checks a manifest's layers against its config's rootfs.diff_ids, from what the re-hash learnt of each blob's
 * uncompressed content (no second read). Layers the store lacks are skipped (absent is not faulty); an artifact's
 * config is not an image config and names no diffIDs.
 */
export async function diffIDProblems(
  label: string,
  [config, ...layers]: Descriptor[],
  blobs: BlobDirectory,
  learnt: ReadonlyMap<string, UncompressedDigest>,
): Promise<DiffIDProblem[]> {
  if (!config || !isImageConfig(config.mediaType) || !(await blobs.has(config))) return [];
  const diffIDs = parseDocument(ImageConfigSchema, await blobs.readDocument(config), blobs.blobPath(config.digest)).value.rootfs.diff_ids;
  if (diffIDs.length !== layers.length) {
    return [{ kind: 'diffid-mismatch', digest: config.digest, message: `image ${label}: the manifest lists ${layers.length} layers but its config ${config.digest} has ${diffIDs.length} diff_ids` }];
  }
  const problems: DiffIDProblem[] = [];
  for (const [index, layer] of layers.entries()) {
    const seen = learnt.get(layer.digest);
    if (!seen) continue;
    const where = `image ${label}: layer ${index + 1} of ${layers.length} ${layer.digest}`;
    let actual: string;
    try {
      actual = diffIDOf(seen, layer.digest);
    } catch (err) {
      problems.push({ kind: 'undecodable-layer', digest: layer.digest, message: `${where}: ${isFerryError(err) ? err.message : String(err)}` });
      continue;
    }
    if (actual !== diffIDs[index]) {
      problems.push({ kind: 'diffid-mismatch', digest: layer.digest, message: diffIDMismatch(where, layer.digest, actual, diffIDs[index]!).message });
    }
  }
  return problems;
}
