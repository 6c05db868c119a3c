import type { Descriptor, Platform } from '../oci/descriptor.js';
import { isAttestation } from '../platform/index.js';
import type { PlatformFilter } from './resolve.js';
import type { HandlerWrapper } from './walk.js';

/*
 * The small handlers walks are composed of (containerd's images.Handlers): each wraps the next handler and either
 * decides about the descriptor visited or filters the children the next one returns. resolveImage composes them
 * into "which manifests of an image, and what the source holds of them"; platform candidates into "every manifest
 * entry below an index"; gc and fsck walk with `children` alone and mark or check on the way.
 */

/** Keeps `record` informed of every descriptor `which` selects, then goes on. */
export function visiting(which: (desc: Descriptor) => boolean, record: (desc: Descriptor) => void): HandlerWrapper {
  return (next) => async (desc) => {
    if (which(desc)) record(desc);
    return next(desc);
  };
}

/** Descriptors `which` selects are leaves: `visit` sees them and the walk goes no deeper (the depth limit). */
export function leaves(which: (desc: Descriptor) => boolean, visit: (desc: Descriptor) => void | Promise<void>): HandlerWrapper {
  return (next) => async (desc) => {
    if (!which(desc)) return next(desc);
    await visit(desc);
    return [];
  };
}

/** Leaves BuildKit attestation entries out of an index's children, handing them to `onSkip` (they follow their subject). */
export function skipAttestations(onSkip: (desc: Descriptor) => void): HandlerWrapper {
  return (next) => async (desc) =>
    (await next(desc)).filter((child) => {
      if (!isAttestation(child)) return true;
      onSkip(child);
      return false;
    });
}

/** Leaves out the children `which` selects that the source lacks, handing them to `onAbsent` (the "present" check). */
export function presentOnly(
  has: (desc: Descriptor) => Promise<boolean>,
  which: (desc: Descriptor) => boolean,
  onAbsent: (desc: Descriptor) => void,
): HandlerWrapper {
  return (next) => async (desc) => {
    const children = await next(desc);
    const present = await Promise.all(children.map((child) => !which(child) || has(child)));
    return children.filter((child, i) => {
      if (present[i]) return true;
      onAbsent(child);
      return false;
    });
  };
}

/**
 * Stops at manifests of `which` whose platform the filter rejects, handing them to `onSkip` with that platform.
 * `platformOf` may read more than the descriptor (its config, when the index entry names none); a manifest with no
 * platform at all (an artifact) is kept: any host takes it.
 */
export function filterPlatforms(
  filter: PlatformFilter,
  which: (desc: Descriptor) => boolean,
  platformOf: (desc: Descriptor) => Promise<Platform | undefined>,
  onSkip: (desc: Descriptor, platform: Platform) => void,
): HandlerWrapper {
  return (next) => async (desc) => {
    if (filter.all || !which(desc)) return next(desc);
    const platform = await platformOf(desc);
    if (!platform || filter.matcher.match(platform)) return next(desc);
    onSkip(desc, platform);
    return [];
  };
}
