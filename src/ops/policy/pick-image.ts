import type { ArchiveContents, ArchiveImage } from '../../archive/read/index.js';
import { FerryError } from '../../errors.js';
import { normalizeName } from '../../oci/reference.js';
import type { ImagePick } from '../ends/archive-address.js';

/**
 * Keeps the one image an address picks (`oci:DIR:REF`, `docker-archive:FILE:REF` or `:@N`); without a pick,
 * every image. REF matches a name the archive gives (`org.opencontainers.image.ref.name` as written, e.g. a bare
 * tag as skopeo writes it, or any name or RepoTag once normalized); @N counts images as listed (manifest.json order
 * for docker save archives), from 0.
 */
export function pickImages(contents: ArchiveContents, input: { pick?: ImagePick; where: string }): ArchiveContents {
  const { pick, where } = input;
  if (!pick) return contents;
  const chosen = 'index' in pick ? contents.images[pick.index] : contents.images.find((image) => namesImage(image, pick.ref));
  if (!chosen) {
    const what = 'index' in pick ? `no image @${pick.index} (it has ${contents.images.length})` : `no image named ${pick.ref}`;
    throw new FerryError('ERR_NOT_FOUND', `${where} has ${what}`, {
      path: where,
      hint: `names in it: ${contents.images.flatMap(imageNames).join(', ') || 'none'}; or pick by position with docker-archive:FILE:@N`,
    });
  }
  return { ...contents, images: [chosen] };
}

function imageNames(image: ArchiveImage): string[] {
  return [image.refName, image.containerdName, ...image.repoTags].filter((n): n is string => Boolean(n));
}

function namesImage(image: ArchiveImage, ref: string): boolean {
  const wanted = normalized(ref);
  return imageNames(image).some((name) => name === ref || (wanted !== undefined && normalized(name) === wanted));
}

function normalized(name: string): string | undefined {
  try {
    return normalizeName(name);
  } catch {
    return undefined;
  }
}
