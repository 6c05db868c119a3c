import type { Descriptor } from '../oci/descriptor.js';
import { isIndex, isManifest, isSchema1 } from '../oci/mediatypes.js';
import { isAttestation } from './attestation.js';
import type { MatchComparer, Matcher } from './match.js';

/**
 * Choosing manifests of an index, as containerd's `images.Manifest` and `FilterPlatforms` do. A descriptor without a
 * platform cannot be ruled out from the index alone (containerd reads its config to decide), so it is kept, after
 * every descriptor whose platform matched. Attestation manifests are never chosen.
 */

/** Descriptors whose platform matches, plus platform-less ones, in their original order; attestations dropped. */
export function matchingDescriptors<D extends Descriptor>(descs: readonly D[], matcher: Matcher): D[] {
  return descs.filter((d) => !isAttestation(d) && (d.platform === undefined || matcher.match(d.platform)));
}

/** Could be an image (or a nested index of images), so a platform-less one is worth a look at its config. */
function mayBeImage(desc: Descriptor): boolean {
  return isManifest(desc.mediaType) || isIndex(desc.mediaType) || isSchema1(desc.mediaType);
}

/**
 * The image candidates of an index, best first: matching descriptors stably sorted by the comparer, then
 * platform-less manifests in index order. Attestations and platform-less non-manifests are left out.
 */
export function rankDescriptors<D extends Descriptor>(descs: readonly D[], comparer: MatchComparer): D[] {
  const withPlatform: D[] = [];
  const platformless: D[] = [];
  for (const d of descs) {
    if (isAttestation(d)) continue;
    if (d.platform === undefined) {
      if (mayBeImage(d)) platformless.push(d);
    } else if (comparer.match(d.platform)) {
      withPlatform.push(d);
    }
  }
  // Array.prototype.sort is stable; `less` is a strict weak order, so derive a three-way comparison from it.
  withPlatform.sort((a, b) => {
    const pa = a.platform ?? { os: '', architecture: '' };
    const pb = b.platform ?? { os: '', architecture: '' };
    if (comparer.less(pa, pb)) return -1;
    if (comparer.less(pb, pa)) return 1;
    return 0;
  });
  return [...withPlatform, ...platformless];
}

/**
 * The manifest to use for a platform, or undefined when none matches. A platform-less winner (only when nothing
 * with a platform matched) must still be checked against its config's os/architecture by the caller.
 */
export function bestMatch<D extends Descriptor>(descs: readonly D[], comparer: MatchComparer): D | undefined {
  return rankDescriptors(descs, comparer)[0];
}
