import type { Platform } from '../../oci/descriptor.js';
import type { PlatformSelection } from '../../graph/resolve.js';
import { defaultMatcher, formatPlatform, hostPlatform, ordered, parsePlatform } from '../../platform/index.js';
import { FerryError } from '../../errors.js';

export interface PlatformArgs {
  allPlatforms?: boolean;
  platform?: string[];
}

/**
 * `--all-platforms` takes every platform; `--platform P` (repeatable) exactly those (after normalization:
 * linux/arm64/v8 is linux/arm64); neither: what the host runs by default (containerd's Default(), so a Mac takes
 * linux/<its CPU>).
 */
export function selectPlatforms(args: PlatformArgs, host: Platform = hostPlatform()): PlatformSelection {
  const specs = args.platform ?? [];
  if (args.allPlatforms && specs.length > 0) {
    throw new FerryError('ERR_USAGE', '--all-platforms and --platform cannot be used together', { hint: 'pick one' });
  }
  if (args.allPlatforms) return { filter: { all: true }, requested: [], label: 'all platforms' };
  if (specs.length > 0) {
    const requested = specs.map((s) => parsePlatform(s));
    return { filter: { matcher: ordered(...requested) }, requested, label: requested.map(formatPlatform).join(', ') };
  }
  const matcher = defaultMatcher(host);
  const runs = matcher.platforms.filter((p) => p.os !== host.os).map(formatPlatform);
  return { filter: { matcher }, requested: [], label: `host ${formatPlatform(host)}${runs.length > 0 ? ` (runs ${runs.join(', ')})` : ''}` };
}
