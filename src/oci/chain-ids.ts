import { digestOf, parseDigest } from './digest.js';

/**
 * ChainIDs name a stack of layers by what is in it (image-spec config.md): chainID(L1) = diffID1,
 * chainID(Ln) = sha256(chainID(n-1) + " " + diffIDn). Two images that share their first n layers share the
 * first n chainIDs, which is what makes a snapshot reusable across images.
 */
export function chainIDs(diffIDs: readonly string[]): string[] {
  const out: string[] = [];
  for (const diffID of diffIDs) {
    parseDigest(diffID, 'image config rootfs.diff_ids');
    out.push(out.length === 0 ? diffID : digestOf(`${out[out.length - 1]} ${diffID}`));
  }
  return out;
}
