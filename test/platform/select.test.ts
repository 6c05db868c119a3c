import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Descriptor } from '../../src/oci/descriptor.js';
import { MediaType } from '../../src/oci/mediatypes.js';
import { all, only, onlyStrict, ordered } from '../../src/platform/match.js';
import { parsePlatform } from '../../src/platform/parse.js';
import { bestMatch, matchingDescriptors, rankDescriptors } from '../../src/platform/select.js';
import { attestation, entry } from './fixtures.js';

beforeEach(() => {
  process.env.FERRY_PLATFORM = 'linux/amd64';
});
afterEach(() => {
  delete process.env.FERRY_PLATFORM;
});

const p = parsePlatform;
const names = (descs: Descriptor[], index: Descriptor[], labels: string[]): string[] => descs.map((d) => labels[index.indexOf(d)] ?? '?');

describe('bestMatch', () => {
  const amd64 = entry('amd64', p('linux/amd64'));
  const i386 = entry('386', p('linux/386'));
  const arm64 = entry('arm64', p('linux/arm64/v8'));
  const armv7 = entry('armv7', p('linux/arm/v7'));
  const armv6 = entry('armv6', p('linux/arm/v6'));
  const s390x = entry('s390x', p('linux/s390x'));
  const noPlatform = entry('none');
  const index = [noPlatform, i386, armv6, attestation('att-amd64', amd64), armv7, amd64, s390x, arm64, attestation('att-arm64', arm64)];

  it.each([
    ['linux/amd64', amd64],
    ['linux/386', i386],
    ['linux/arm64', arm64],
    ['linux/arm64/v8', arm64],
    ['linux/arm/v8', armv7],
    ['linux/arm/v7', armv7],
    ['linux/arm/v6', armv6],
    ['linux/s390x', s390x],
    ['linux/ppc64le', noPlatform], // only the platform-less manifest is left, for its config to decide
    ['windows/amd64', noPlatform],
  ])('%s picks %s', (spec, expected) => {
    expect(bestMatch(index, only(p(spec)))).toBe(expected);
  });

  it('an arm64 host without an arm64 image takes the best 32-bit arm one', () => {
    expect(bestMatch([armv6, s390x, armv7, i386], only(p('linux/arm64')))).toBe(armv7);
  });

  it('returns undefined when nothing matches and no entry lacks a platform', () => {
    expect(bestMatch([s390x, arm64], only(p('linux/amd64')))).toBeUndefined();
    expect(bestMatch([], only(p('linux/amd64')))).toBeUndefined();
  });

  it('never chooses an attestation, not even with the all matcher', () => {
    const att = attestation('att', amd64);
    expect(bestMatch([att], all)).toBeUndefined();
    expect(bestMatch([att, amd64], all)).toBe(amd64);
    expect(bestMatch([att], only({ os: 'unknown', architecture: 'unknown' }))).toBeUndefined();
  });

  it('is stable: equal candidates keep index order', () => {
    const first = entry('first', p('linux/amd64'));
    const second = entry('second', p('linux/amd64'));
    const third = entry('third', { os: 'linux', architecture: 'x86_64' });
    expect(rankDescriptors([i386, first, second, third], only(p('linux/amd64')))).toEqual([first, second, third, i386]);
    expect(bestMatch([second, first], all)).toBe(second);
  });

  it('puts platform-less manifests after every match and leaves out platform-less non-manifests', () => {
    const layer = entry('layer', undefined, { mediaType: MediaType.ociLayerGzip });
    const nestedIndex = entry('nested', undefined, { mediaType: MediaType.ociIndex });
    const list = [noPlatform, layer, i386, nestedIndex, amd64];
    const labels = ['none', 'layer', '386', 'nested', 'amd64'];
    expect(names(rankDescriptors(list, only(p('linux/amd64'))), list, labels)).toEqual(['amd64', '386', 'none', 'nested']);
  });

  it('strict takes no compatible fallback', () => {
    expect(bestMatch([i386, armv7], onlyStrict(p('linux/amd64')))).toBeUndefined();
    expect(bestMatch([i386, armv7], only(p('linux/amd64')))).toBe(i386);
  });

  it('ordered requests follow request order, not index order', () => {
    expect(bestMatch(index, ordered(p('linux/s390x'), p('linux/amd64')))).toBe(s390x);
  });

  it('amd64/v3 host prefers the highest level it runs', () => {
    const v2 = entry('v2', p('linux/amd64/v2'));
    const v3 = entry('v3', p('linux/amd64/v3'));
    const v4 = entry('v4', p('linux/amd64/v4'));
    expect(bestMatch([amd64, v2, v4, v3], only(p('linux/amd64/v3')))).toBe(v3);
    expect(bestMatch([amd64, v4, v2], only(p('linux/amd64/v3')))).toBe(v2);
    expect(bestMatch([v4], only(p('linux/amd64/v3')))).toBeUndefined();
  });

  it('an arm64/v8.10 image is never picked for an arm64 host', () => {
    const v810 = entry('v810', p('linux/arm64/v8.10'));
    expect(bestMatch([v810, armv6], only(p('linux/arm64/v9.6')))).toBe(armv6);
    expect(bestMatch([v810], only(p('linux/arm64')))).toBeUndefined();
  });

  it('Windows: an LTSC 2019 host takes only 17763, an LTSC 2025 host the newest build it runs', () => {
    const ws2019 = entry('2019', { os: 'windows', architecture: 'amd64', 'os.version': '10.0.17763.5576' });
    const ws2022 = entry('2022', { os: 'windows', architecture: 'amd64', 'os.version': '10.0.20348.2340' });
    const ws2025 = entry('2025', { os: 'windows', architecture: 'amd64', 'os.version': '10.0.26100.1' });
    const win = [ws2019, ws2022, ws2025];
    expect(bestMatch(win, only(p('windows(10.0.17763)/amd64')))).toBe(ws2019);
    expect(bestMatch(win, only(p('windows(10.0.20348)/amd64')))).toBe(ws2022);
    expect(bestMatch(win, only(p('windows(10.0.26100)/amd64')))).toBe(ws2025);
    expect(bestMatch([ws2019, ws2022], only(p('windows(10.0.26100)/amd64')))).toBe(ws2022);
  });
});

describe('matchingDescriptors', () => {
  it('keeps index order, platform-less entries, and drops attestations and mismatches', () => {
    const amd64 = entry('amd64', p('linux/amd64'));
    const i386 = entry('386', p('linux/386'));
    const arm64 = entry('arm64', p('linux/arm64'));
    const none = entry('none');
    const list = [i386, attestation('att', amd64), arm64, none, amd64];
    expect(matchingDescriptors(list, only(p('linux/amd64')))).toEqual([i386, none, amd64]);
    expect(matchingDescriptors(list, onlyStrict(p('linux/amd64')))).toEqual([none, amd64]);
    expect(matchingDescriptors(list, all)).toEqual([i386, arm64, none, amd64]);
  });
});
