import { FerryError } from '../../errors.js';
import type { PlatformImage } from '../../graph/resolve.js';
import type { Descriptor } from '../../oci/descriptor.js';
import { serializeDocument } from '../../oci/document.js';
import { MediaType } from '../../oci/mediatypes.js';
import { compareStrings } from '../../archive/write/index.js';
import { formatPlatform, normalizePlatform } from '../../platform/index.js';

/** On two different manifests for one platform: keep the earlier input's, the later input's, or fail. */
export type MergePreference = 'first' | 'last';

/** One platform image of one input, as it will enter the merged index. */
export interface MergeMember {
  /** The descriptor for the merged index: platform always set when known, name annotations of a top entry dropped. */
  desc: Descriptor;
  image: PlatformImage;
  /** The input it came from, for messages. */
  input: string;
}

export interface DroppedMember {
  platform: string;
  digest: string;
  input: string;
  /** `duplicate`: the same manifest came twice; `conflict`: --prefer chose another manifest for its platform. */
  reason: 'duplicate' | 'conflict';
}

export interface MergedMembers {
  kept: MergeMember[];
  dropped: DroppedMember[];
}

/** A member's platform as import, export and images ls print it: as the manifest states it (`linux/arm64/v8`). */
export function platformLabel(member: MergeMember): string {
  const platform = member.image.platform;
  return platform ? formatPlatform(platform) : `unknown ${member.desc.digest}`;
}

/** `linux/arm64/v8` and `linux/arm64` are one platform: the key is the normalized form. */
export function platformKey(member: MergeMember): string {
  const platform = member.image.platform;
  return platform ? formatPlatform(normalizePlatform(platform)) : `unknown ${member.desc.digest}`;
}

/**
 * Merges the platform images of one name: a manifest seen before (same digest) is dropped; a different manifest
 * for a platform already taken is an error, unless `prefer` says which one wins (the only place input order
 * counts). Platform-less manifests (artifacts) never conflict. The kept members come in canonical order, by
 * normalized platform then digest, so `merge A B` and `merge B A` write the same index.
 */
export function mergeMembers(name: string, members: MergeMember[], prefer?: MergePreference): MergedMembers {
  const byPlatform = new Map<string, MergeMember>();
  const seen = new Set<string>();
  const dropped: DroppedMember[] = [];
  for (const member of members) {
    const key = platformKey(member);
    if (seen.has(member.desc.digest)) {
      dropped.push({ platform: key, digest: member.desc.digest, input: member.input, reason: 'duplicate' });
      continue;
    }
    seen.add(member.desc.digest);
    const taken = byPlatform.get(key);
    if (!taken) {
      byPlatform.set(key, member);
      continue;
    }
    if (!prefer) {
      throw new FerryError('ERR_CONFLICT', `${name}: ${taken.input} and ${member.input} both hold ${key}, as different manifests (${taken.desc.digest} and ${member.desc.digest})`, {
        digest: member.desc.digest,
        hint: 'pass --prefer first or --prefer last to keep one of them, or give one input another name with --name',
      });
    }
    const loser = prefer === 'first' ? member : taken;
    dropped.push({ platform: key, digest: loser.desc.digest, input: loser.input, reason: 'conflict' });
    if (prefer === 'last') byPlatform.set(key, member);
  }
  const kept = [...byPlatform.values()].sort((a, b) => compareStrings(platformKey(a), platformKey(b)) || compareStrings(a.desc.digest, b.desc.digest));
  return { kept, dropped };
}

/**
 * The merged index: each kept manifest followed by its attestations. OCI, unless every input image was a Docker
 * manifest list (then the result stays one, for registries and tools that only speak Docker schema2).
 */
export function mergedIndex(kept: MergeMember[], allDockerLists: boolean): { mediaType: string; bytes: Buffer } {
  const mediaType = allDockerLists ? MediaType.dockerManifestList : MediaType.ociIndex;
  const manifests: Descriptor[] = [];
  for (const member of kept) {
    manifests.push(member.desc);
    for (const attachment of member.image.attachments) manifests.push(attachment.manifest);
  }
  return { mediaType, bytes: serializeDocument({ schemaVersion: 2, mediaType, manifests }) };
}
