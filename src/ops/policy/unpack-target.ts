import type { Descriptor, Platform } from '../../oci/descriptor.js';
import { isImageConfig } from '../../oci/mediatypes.js';
import { isComplete, type PlatformImage } from '../../graph/resolve.js';
import { bestMatch, defaultMatcher, formatPlatform, normalizePlatform, only, onlyStrict } from '../../platform/index.js';

export interface UnpackRequest {
  /** `--unpack-platform`, or the first `--platform`; the host when absent. */
  platform?: Platform;
  /** `--strict-platform`: demand an exact match instead of the best compatible one. */
  strict?: boolean;
  host: Platform;
}

export interface UnpackChoice {
  image?: PlatformImage;
  /** The platform that was asked for (or the host), formatted. */
  wanted: string;
  /** Why this image, or why none, in words. */
  reason: string;
  /** Platforms of complete images that could have been chosen. */
  available: string[];
}

/**
 * Picks the one image to unpack, always explicitly: the best match for the requested platform (or the host)
 * among the complete images imported. containerd 2.0 failed `--all-platforms` imports with "no unpack platforms
 * defined"; here the answer is either an image or a reason with the choices, never an error for its absence.
 */
export function resolveUnpackTarget(candidates: PlatformImage[], request: UnpackRequest): UnpackChoice {
  const wanted = request.platform ?? request.host;
  // Only complete images with an image config can be unpacked: an artifact may carry a platform too.
  const complete = candidates.filter((c) => c.platform && c.config && isImageConfig(c.config.mediaType) && isComplete(c));
  const available = [...new Set(complete.map((c) => formatPlatform(c.platform!)))];
  const byDescriptor = new Map<string, PlatformImage>();
  const descriptors: Descriptor[] = complete.map((c) => {
    byDescriptor.set(c.manifest.digest, c);
    return { ...c.manifest, platform: c.platform };
  });
  // No platform asked for: what the host runs by default, the same answer import's filter gives.
  const comparer = request.platform ? (request.strict ? onlyStrict(wanted) : only(wanted)) : defaultMatcher(request.host, { strict: Boolean(request.strict) });
  const best = bestMatch(descriptors, comparer);
  const wantedText = formatPlatform(wanted);
  const source = request.platform ? 'requested' : 'host';
  if (!best) {
    return { wanted: wantedText, available, reason: `no ${request.strict ? 'exact' : 'compatible'} match for the ${source} platform ${wantedText}` };
  }
  const image = byDescriptor.get(best.digest)!;
  const got = formatPlatform(image.platform!);
  const how = formatPlatform(normalizePlatform(image.platform!)) === formatPlatform(normalizePlatform(wanted)) ? 'exact match' : `best ${request.strict ? 'exact' : 'compatible'} match`;
  return { image, wanted: wantedText, available, reason: `${got}: ${how} for the ${source} platform ${wantedText}` };
}
