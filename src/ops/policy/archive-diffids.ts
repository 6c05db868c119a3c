import { FerryError, isFerryError } from '../../errors.js';
import { readDocument } from '../../graph/read-document.js';
import { isImageConfig } from '../../oci/mediatypes.js';
import { ImageConfigSchema } from '../../oci/schemas.js';
import { diffIDMismatch, diffIDOf } from '../../oci/uncompressed-digest.js';
import type { ImageTree, TreeBlob } from './image-tree.js';
import type { MetadataSink } from '../ends/metadata-sink.js';

/** A layer whose diffID verify could not check: the archive does not hold it (absent, or foreign by design). */
export interface UncheckedLayer {
  image: string;
  platform: string;
  layer: string;
  state: 'missing' | 'external';
}

export interface DiffIDCheck {
  /** Layers whose uncompressed content was digested and matched the config's rootfs.diff_ids. */
  checked: number;
  unchecked: UncheckedLayer[];
}

/**
 * Checks every present layer of every image against its config's rootfs.diff_ids, from what the sink learnt while
 * the archive was read (no second read). A digest-valid blob under a config that claims other diffIDs is what an
 * attacker who controls the config writes: unpack would refuse it later, verify refuses it now. Absent and foreign
 * layers are listed, not faulted, as the tree already reports them.
 */
export async function checkDiffIDs(sink: MetadataSink, trees: readonly ImageTree[]): Promise<DiffIDCheck> {
  const result: DiffIDCheck = { checked: 0, unchecked: [] };
  for (const tree of trees) {
    const image = tree.names[0] ?? tree.target.digest;
    for (const m of tree.manifests) {
      if (!m.config || m.config.state !== 'present' || !isImageConfig(m.config.mediaType)) continue;
      const diffIDs = (await readDocument(sink, { mediaType: m.config.mediaType, digest: m.config.digest, size: m.config.size }, ImageConfigSchema)).value.rootfs.diff_ids;
      if (diffIDs.length !== m.layers.length) {
        throw new FerryError('ERR_INVALID_DOCUMENT', `image ${image} (${m.platform}): the manifest lists ${m.layers.length} layers but the config has ${diffIDs.length} diff_ids`, {
          digest: m.manifest.digest,
          hint: 'the manifest and its config do not belong together; the archive is corrupt',
        });
      }
      for (const [index, layer] of m.layers.entries()) {
        if (layer.state !== 'present') {
          result.unchecked.push({ image, platform: m.platform, layer: layer.digest, state: layer.state });
          continue;
        }
        const where = `image ${image} (${m.platform}): layer ${index + 1} of ${m.layers.length} ${layer.digest}`;
        const actual = uncompressedDigestOf(sink, layer, where);
        if (actual !== diffIDs[index]) throw diffIDMismatch(where, layer.digest, actual, diffIDs[index]!);
        result.checked += 1;
      }
    }
  }
  return result;
}

function uncompressedDigestOf(sink: MetadataSink, layer: TreeBlob, where: string): string {
  const learnt = sink.uncompressedDigest(layer.digest);
  if (!learnt) throw new Error(`the archive sink did not digest ${layer.digest} uncompressed`);
  try {
    return diffIDOf(learnt, layer.digest);
  } catch (err) {
    if (!isFerryError(err)) throw err;
    throw new FerryError(err.code, `${where}: ${err.message}`, { digest: layer.digest, ...(err.hint ? { hint: err.hint } : {}) });
  }
}
