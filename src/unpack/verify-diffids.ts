import { FerryError } from '../errors.js';
import { BombGuard, maxDecompressionRatio } from '../oci/bomb-guard.js';
import type { Descriptor } from '../oci/descriptor.js';
import { DigestingStream, parseDigest } from '../oci/digest.js';
import { readLayer } from '../oci/layer-stream.js';
import type { ContentSource } from '../oci/transport.js';

/** Layer blob → diffID pairs verified before; the store keeps them (store/diffids.ts). */
export interface VerifiedDiffIDs {
  get(blobDigest: string): Promise<string | undefined>;
  put(blobDigest: string, diffID: string): Promise<void>;
}

/**
 * Checks that every layer's uncompressed content has the diffID the config claims, before a snapshot built for
 * those diffIDs is handed out: an image whose config copies another image's diff_ids must not get that image's
 * rootfs without its own layers being read. Pairs verified once are recorded and not read again.
 */
export async function verifyDiffIDs(
  verified: VerifiedDiffIDs,
  source: ContentSource,
  layers: readonly Descriptor[],
  diffIDs: readonly string[],
  opts: { maxDecompressionRatio?: number; minDecompressionLimit?: number } = {},
): Promise<void> {
  if (layers.length !== diffIDs.length) {
    throw new FerryError('ERR_INVALID_DOCUMENT', `the manifest lists ${layers.length} layers but the config has ${diffIDs.length} diff_ids`, {
      hint: 'the manifest and its config do not belong together; the image is corrupt',
    });
  }
  const learned: [string, string][] = [];
  for (const [index, layer] of layers.entries()) {
    const claimed = diffIDs[index]!;
    const label = `${index + 1} of ${layers.length} (${layer.digest})`;
    const known = await verified.get(layer.digest);
    const actual = known ?? (await uncompressedDigest(source, layer, claimed, label, opts));
    if (actual !== claimed) throw diffIDMismatch(label, actual, claimed);
    if (known === undefined) learned.push([layer.digest, actual]);
  }
  // Recorded only once the whole chain holds, so a refused image leaves the store as it was.
  for (const [blobDigest, diffID] of learned) await verified.put(blobDigest, diffID);
}

/** Records the pairs an unpack has just verified. */
export async function recordDiffIDs(verified: VerifiedDiffIDs, layers: readonly Descriptor[], diffIDs: readonly string[]): Promise<void> {
  for (const [index, layer] of layers.entries()) await verified.put(layer.digest, diffIDs[index]!);
}

export function diffIDMismatch(label: string, actual: string, claimed: string): FerryError {
  return new FerryError('ERR_DIGEST_MISMATCH', `layer ${label}: uncompressed content has digest ${actual}, expected diffID ${claimed}`, {
    digest: claimed,
    hint: "the image config's diff_ids do not match its layers; the image is corrupt or was tampered with — do not use what was unpacked",
  });
}

async function uncompressedDigest(
  source: ContentSource,
  layer: Descriptor,
  claimed: string,
  label: string,
  opts: { maxDecompressionRatio?: number; minDecompressionLimit?: number },
): Promise<string> {
  if (!(await source.has(layer))) {
    throw new FerryError('ERR_BLOB_MISSING', `layer ${label} is needed to verify the snapshot it shares, and is not in the source`, {
      digest: layer.digest,
      hint: 'import or pull the image again with all its layers',
    });
  }
  const digester = new DigestingStream(parseDigest(claimed).algorithm);
  const ratio = opts.maxDecompressionRatio ?? maxDecompressionRatio();
  const guard = new BombGuard({ compressedSize: layer.size, ratio, where: `layer ${label}`, ...(opts.minDecompressionLimit === undefined ? {} : { floor: opts.minDecompressionLimit }) });
  await readLayer(source, layer, () => ({
    stages: [guard, digester],
    consume: async (tail) => {
      // Only the digest matters: the bytes are read and dropped.
      for await (const _chunk of tail) void _chunk;
    },
  }));
  return digester.digest.digest;
}
