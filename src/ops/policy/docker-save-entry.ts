import type { DockerSaveImage } from '../../archive/write/index.js';
import { FerryError } from '../../errors.js';
import { isComplete, type ResolvedImage } from '../../graph/resolve.js';
import type { Platform } from '../../oci/descriptor.js';
import { isImageConfig, isNonDistributable } from '../../oci/mediatypes.js';
import { normalizeName, parseReference } from '../../oci/reference.js';
import { formatPlatform, parsePlatform } from '../../platform/index.js';
import { resolveUnpackTarget } from './unpack-target.js';

export interface DockerSaveChoice {
  image: DockerSaveImage;
  platform: string;
}

/**
 * The docker-save manifest.json entry of an image: the platform `docker load` will get, for --docker-platform
 * or the host's best match, else the first complete image. Artifacts (no image config) get no entry.
 */
export function dockerSaveEntry(
  resolved: ResolvedImage,
  name: string,
  opts: { dockerPlatform?: string; skipNonDistributable?: boolean },
  host: Platform,
): DockerSaveChoice | undefined {
  const request = opts.dockerPlatform ? { platform: parsePlatform(opts.dockerPlatform), host } : { host };
  const choice = resolveUnpackTarget(resolved.selected, request);
  const loadable = (s: ResolvedImage['selected'][number]) => isComplete(s) && s.config !== undefined && isImageConfig(s.config.mediaType);
  const chosen = choice.image ?? (opts.dockerPlatform ? undefined : resolved.selected.find(loadable));
  if (!chosen?.config) {
    if (opts.dockerPlatform) {
      throw new FerryError('ERR_PLATFORM_NOT_FOUND', `${name}: --docker-platform ${choice.wanted}: ${choice.reason}`, {
        hint: `available: ${choice.available.join(', ') || 'none'}`,
      });
    }
    return undefined;
  }
  // docker load rejects digest-only RepoTags. Full names: podman load prefixes a short one with `localhost/`,
  // while docker (20.10 and later) shows a full one familiarized, so both keep the image's real name.
  const repoTags = parseReference(name).tag ? [normalizeName(name)] : [];
  const layers = chosen.layers.filter((l) => !(opts.skipNonDistributable && isNonDistributable(l.mediaType)));
  return { image: { config: chosen.config, layers, repoTags }, platform: chosen.platform ? formatPlatform(chosen.platform) : 'unknown' };
}
