import { describe, expect, it } from 'vitest';
import { isFerryError } from '../../../src/errors.js';
import type { PlatformImage } from '../../../src/graph/resolve.js';
import type { Platform } from '../../../src/oci/descriptor.js';
import { MediaType } from '../../../src/oci/mediatypes.js';
import { mergedIndex, mergeMembers, type MergeMember } from '../../../src/ops/policy/merge-plan.js';
import { thrown } from '../../helpers/thrown.js';

function member(input: string, digestChar: string, platform?: Platform): MergeMember {
  const desc = { mediaType: MediaType.ociManifest, digest: `sha256:${digestChar.repeat(64)}`, size: 10, ...(platform ? { platform } : {}) };
  const image: PlatformImage = { manifest: desc, layers: [], external: [], missing: [], attachments: [], ...(platform ? { platform } : {}) };
  return { desc, image, input };
}

const amd64 = { os: 'linux', architecture: 'amd64' };
const arm64 = { os: 'linux', architecture: 'arm64' };
const arm64v8 = { os: 'linux', architecture: 'arm64', variant: 'v8' };

describe('mergeMembers', () => {
  it.each([
    { what: 'distinct platforms are all kept, in platform order', members: [member('a', 'a', amd64), member('b', 'b', arm64)], kept: ['a', 'b'], dropped: [] },
    { what: 'the inputs given the other way round give the same order', members: [member('b', 'b', arm64), member('a', 'a', amd64)], kept: ['a', 'b'], dropped: [] },
    { what: 'platform-less manifests come in digest order', members: [member('b', 'b'), member('a', 'a')], kept: ['a', 'b'], dropped: [] },
    { what: 'the same manifest twice is kept once', members: [member('a', 'a', amd64), member('b', 'a', amd64)], kept: ['a'], dropped: ['duplicate'] },
    { what: 'platform-less manifests never conflict', members: [member('a', 'a'), member('b', 'b')], kept: ['a', 'b'], dropped: [] },
  ])('$what', ({ members, kept, dropped }) => {
    const merged = mergeMembers('x', members);
    expect(merged.kept.map((m) => m.desc.digest[7])).toEqual(kept);
    expect(merged.dropped.map((d) => d.reason)).toEqual(dropped);
  });

  it('fails on two manifests for one platform (arm64/v8 is arm64), naming both inputs', () => {
    const caught = thrown(() => mergeMembers('app', [member('one.tar', 'a', arm64v8), member('two.tar', 'b', arm64)]));
    expect(isFerryError(caught, 'ERR_CONFLICT')).toBe(true);
    expect((caught as Error).message).toMatch(/one\.tar and two\.tar both hold linux\/arm64/);
  });

  it.each([
    { prefer: 'first' as const, keptDigest: 'a', droppedInput: 'two.tar' },
    { prefer: 'last' as const, keptDigest: 'b', droppedInput: 'one.tar' },
  ])('--prefer $prefer keeps one manifest per platform', ({ prefer, keptDigest, droppedInput }) => {
    const merged = mergeMembers('app', [member('one.tar', 'a', amd64), member('two.tar', 'b', amd64), member('two.tar', 'c', arm64)], prefer);
    expect(merged.kept.map((m) => m.desc.digest[7])).toEqual([keptDigest, 'c']);
    expect(merged.dropped).toEqual([expect.objectContaining({ reason: 'conflict', input: droppedInput, platform: 'linux/amd64' })]);
  });
});

describe('mergedIndex', () => {
  it.each([
    { allDocker: true, mediaType: MediaType.dockerManifestList },
    { allDocker: false, mediaType: MediaType.ociIndex },
  ])('is a $mediaType when all inputs were Docker lists: $allDocker', ({ allDocker, mediaType }) => {
    const index = mergedIndex([member('a', 'a', amd64)], allDocker);
    expect(index.mediaType).toBe(mediaType);
    expect(JSON.parse(index.bytes.toString())).toEqual({ schemaVersion: 2, mediaType, manifests: [member('a', 'a', amd64).desc] });
  });
});
