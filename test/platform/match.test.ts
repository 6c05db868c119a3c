import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Platform } from '../../src/oci/descriptor.js';
import { all, any, defaultMatcher, exactMatcher, only, onlyOs, onlyStrict, ordered, platformVector, requestedMatcher } from '../../src/platform/match.js';
import { normalizePlatform } from '../../src/platform/normalize.js';
import { formatPlatform, parsePlatform } from '../../src/platform/parse.js';

beforeEach(() => {
  process.env.FERRY_PLATFORM = 'linux/amd64';
});
afterEach(() => {
  delete process.env.FERRY_PLATFORM;
});

/** Expands { host: { true: [...], false: [...] } } tables like containerd's into [host, candidate, expected] rows. */
function rows(table: Record<string, { yes: string[]; no: string[] }>): [string, string, boolean][] {
  return Object.entries(table).flatMap(([host, { yes, no }]) => [
    ...yes.map((c): [string, string, boolean] => [host, c, true]),
    ...no.map((c): [string, string, boolean] => [host, c, false]),
  ]);
}

// containerd/platforms compare_test.go TestOnly (both the current table and the earlier arm64 v8.x/v9 one).
const ONLY = rows({
  'linux/amd64': { yes: ['linux/amd64', 'linux/386'], no: ['linux/amd64/v2', 'linux/arm/v7', 'linux/arm64', 'windows/amd64', 'windows/arm'] },
  'linux/amd64/v2': {
    yes: ['linux/amd64', 'linux/amd64/v1', 'linux/amd64/v2', 'linux/386'],
    no: ['linux/amd64/v3', 'linux/amd64/v4', 'linux/arm/v7', 'linux/arm64', 'windows/amd64', 'windows/arm'],
  },
  'linux/amd64/v3': { yes: ['linux/amd64/v3', 'linux/amd64/v2', 'linux/amd64', 'linux/386'], no: ['linux/amd64/v4', 'linux/i686', 'linux/arm64'] },
  'linux/386': { yes: ['linux/386'], no: ['linux/amd64', 'linux/arm/v7', 'linux/arm64', 'windows/amd64', 'windows/arm', 'linux/i686'] },
  'windows/amd64': { yes: ['windows/amd64', 'windows(10.0.17763)/amd64', 'windows/386'], no: ['linux/amd64', 'linux/arm/v7', 'linux/arm64', 'windows/arm'] },
  'linux/arm/v8': {
    yes: ['linux/arm', 'linux/arm/v5', 'linux/arm/v6', 'linux/arm/v7', 'linux/arm/v8'],
    no: ['linux/amd64', 'linux/arm/v4', 'linux/arm64', 'windows/amd64', 'windows/arm'],
  },
  'linux/arm/v7': {
    yes: ['linux/arm', 'linux/arm/v5', 'linux/arm/v6', 'linux/arm/v7'],
    no: ['linux/amd64', 'linux/arm/v4', 'linux/arm/v8', 'linux/arm64', 'windows/amd64', 'windows/arm'],
  },
  'linux/arm/v6': {
    yes: ['linux/arm/v5', 'linux/arm/v6'],
    no: ['linux/amd64', 'linux/arm', 'linux/arm/v4', 'linux/arm/v7', 'linux/arm/v8', 'linux/arm64', 'windows/amd64', 'windows/arm'],
  },
  'linux/arm/v5': {
    yes: ['linux/arm/v5'],
    no: ['linux/amd64', 'linux/arm', 'linux/arm/v4', 'linux/arm/v6', 'linux/arm/v7', 'linux/arm/v8', 'linux/arm64', 'windows/amd64', 'windows/arm'],
  },
  'linux/arm/v4': {
    yes: ['linux/arm/v4'],
    no: ['linux/amd64', 'linux/arm', 'linux/arm/v5', 'linux/arm/v6', 'linux/arm/v7', 'linux/arm/v8', 'linux/arm64', 'windows/amd64', 'windows/arm'],
  },
  'linux/arm64': {
    yes: ['linux/arm', 'linux/arm/v5', 'linux/arm/v6', 'linux/arm/v7', 'linux/arm/v8', 'linux/arm64', 'linux/arm64/v8', 'linux/aarch64'],
    no: ['linux/amd64', 'linux/arm/v4', 'linux/arm/v9', 'linux/arm64/v7', 'linux/arm64/v8.1', 'linux/arm64/v9', 'windows/amd64', 'windows/arm'],
  },
  'linux/arm64/v8': {
    yes: ['linux/arm64', 'linux/arm64/v8', 'linux/arm/v7'],
    no: ['linux/arm64/v8.1', 'linux/arm64/v9'],
  },
  'linux/arm64/v8.1': {
    yes: ['linux/arm', 'linux/arm/v5', 'linux/arm/v6', 'linux/arm/v7', 'linux/arm/v8', 'linux/arm64', 'linux/arm64/v8', 'linux/arm64/v8.1'],
    no: ['linux/amd64', 'linux/arm/v4', 'linux/arm/v9', 'linux/arm64/v8.2', 'linux/arm64/v9', 'windows/amd64', 'windows/arm'],
  },
  'linux/arm64/v8.9': { yes: ['linux/arm64/v8.9', 'linux/arm64/v8.5', 'linux/arm64'], no: ['linux/arm64/v8.10', 'linux/arm64/v9'] },
  'linux/arm64/v9': {
    yes: [
      'linux/arm', 'linux/arm/v5', 'linux/arm/v6', 'linux/arm/v7', 'linux/arm/v8', 'linux/arm64', 'linux/arm64/v8',
      'linux/arm64/v8.1', 'linux/arm64/v8.2', 'linux/arm64/v8.3', 'linux/arm64/v8.4', 'linux/arm64/v8.5', 'linux/arm64/v9', 'linux/arm64/v9.0',
    ],
    no: ['linux/amd64', 'linux/arm/v4', 'linux/arm64/v7', 'linux/arm64/v8.6', 'linux/arm64/v9.1', 'linux/arm64/v10', 'windows/arm64', 'windows/arm'],
  },
  'linux/arm64/v9.3': { yes: ['linux/arm64/v9.3', 'linux/arm64/v9.2', 'linux/arm64/v9', 'linux/arm64/v8.8', 'linux/arm64'], no: ['linux/arm64/v9.4', 'linux/arm64/v8.9'] },
  // v9.x runs v8.(x+5) but Armv8 stops at 8.9: v9.6 runs v8.9, never v8.10.
  'linux/arm64/v9.6': { yes: ['linux/arm64/v8.9', 'linux/arm64/v9.5', 'linux/arm/v8'], no: ['linux/arm64/v8.10', 'linux/arm64/v9.7'] },
  // Traps: containerd only understands one-digit minors, so an arm64/v8.10 host runs itself and 32-bit arm only.
  'linux/arm64/v8.10': { yes: ['linux/arm64/v8.10', 'linux/arm/v7'], no: ['linux/arm64', 'linux/arm64/v8.1', 'linux/arm64/v8.9', 'linux/arm64/v9'] },
  // i686 is not normalized to 386: it only matches itself.
  'linux/i686': { yes: ['linux/i686'], no: ['linux/386', 'linux/amd64'] },
  'linux/ppc64le': { yes: ['linux/ppc64le'], no: ['linux/ppc64', 'linux/ppc64le/power10'] },
  'linux/riscv64': { yes: ['linux/riscv64'], no: ['linux/riscv64/rva23u64', 'linux/amd64'] },
  'linux/s390x': { yes: ['linux/s390x'], no: ['linux/amd64', 'linux/386'] },
});

describe('only', () => {
  it.each(ONLY)('only(%s) matches %s: %s', (host, candidate, expected) => {
    expect(only(parsePlatform(host)).match(parsePlatform(candidate))).toBe(expected);
  });
});

// containerd/platforms compare_test.go TestOnlyStrict.
const ONLY_STRICT = rows({
  'linux/amd64': { yes: ['linux/amd64', 'linux/amd64/v1'], no: ['linux/386', 'linux/arm/v7', 'linux/arm64', 'windows/amd64', 'windows/arm'] },
  'linux/386': { yes: ['linux/386', 'linux/i386'], no: ['linux/amd64', 'linux/arm/v7', 'linux/arm64', 'windows/amd64', 'windows/arm'] },
  'windows/amd64': { yes: ['windows/amd64', 'windows(10.0.17763)/amd64'], no: ['linux/amd64', 'linux/arm/v7', 'linux/arm64', 'windows/arm'] },
  'windows(10.0.17763)/amd64': { yes: ['windows/amd64', 'windows(10.0.17763)/amd64'], no: ['linux/amd64', 'linux/arm/v7', 'linux/arm64', 'windows/arm'] },
  'linux/arm/v8': {
    yes: ['linux/arm/v8'],
    no: ['linux/arm', 'linux/arm/v5', 'linux/arm/v6', 'linux/arm/v7', 'linux/amd64', 'linux/arm/v4', 'linux/arm64', 'windows/amd64', 'windows/arm'],
  },
  'linux/arm/v7': {
    yes: ['linux/arm', 'linux/arm/v7'],
    no: ['linux/arm/v5', 'linux/arm/v6', 'linux/amd64', 'linux/arm/v4', 'linux/arm/v8', 'linux/arm64', 'windows/amd64', 'windows/arm'],
  },
  'linux/arm/v6': {
    yes: ['linux/arm/v6'],
    no: ['linux/arm/v5', 'linux/amd64', 'linux/arm', 'linux/arm/v4', 'linux/arm/v7', 'linux/arm/v8', 'linux/arm64', 'windows/amd64', 'windows/arm'],
  },
  'linux/arm/v5': {
    yes: ['linux/arm/v5'],
    no: ['linux/amd64', 'linux/arm', 'linux/arm/v4', 'linux/arm/v6', 'linux/arm/v7', 'linux/arm/v8', 'linux/arm64', 'windows/amd64', 'windows/arm'],
  },
  'linux/arm64': {
    yes: ['linux/arm64', 'linux/arm64/v8'],
    no: ['linux/arm', 'linux/arm/v5', 'linux/arm/v6', 'linux/arm/v7', 'linux/arm/v8', 'linux/amd64', 'linux/arm/v4', 'linux/arm/v9', 'linux/arm64/v7', 'linux/arm64/v9', 'windows/amd64', 'windows/arm'],
  },
  'linux/arm64/v8': { yes: ['linux/arm64', 'linux/arm64/v8'], no: ['linux/arm64/v8.1', 'linux/arm/v8'] },
  'linux/arm64/v8.1': {
    yes: ['linux/arm64/v8.1'],
    no: ['linux/arm', 'linux/arm/v8', 'linux/amd64', 'linux/arm/v9', 'linux/arm64/v8', 'linux/arm64/v9', 'windows/amd64', 'windows/arm'],
  },
  'linux/arm64/v9': {
    yes: ['linux/arm64/v9', 'linux/arm64/v9.0'],
    no: ['linux/arm', 'linux/arm/v7', 'linux/arm/v8', 'linux/arm/v9', 'linux/arm64/v7', 'linux/arm64', 'linux/arm64/v8', 'linux/arm64/v8.1', 'linux/arm/v4', 'linux/arm64/v10', 'linux/amd64', 'windows/arm64', 'windows/arm'],
  },
  'linux/amd64/v3': { yes: ['linux/amd64/v3'], no: ['linux/amd64/v2', 'linux/amd64'] },
});

describe('onlyStrict', () => {
  it.each(ONLY_STRICT)('onlyStrict(%s) matches %s: %s', (host, candidate, expected) => {
    expect(onlyStrict(parsePlatform(host)).match(parsePlatform(candidate))).toBe(expected);
  });
});

describe('platformVector', () => {
  it.each([
    ['linux/amd64', ['linux/amd64', 'linux/386']],
    ['linux/amd64/v4', ['linux/amd64/v4', 'linux/amd64/v3', 'linux/amd64/v2', 'linux/amd64', 'linux/386']],
    ['linux/386', ['linux/386']],
    ['linux/arm/v8', ['linux/arm/v8', 'linux/arm/v7', 'linux/arm/v6', 'linux/arm/v5']],
    ['linux/arm/v5', ['linux/arm/v5']],
    ['linux/arm64', ['linux/arm64', 'linux/arm/v8', 'linux/arm/v7', 'linux/arm/v6', 'linux/arm/v5']],
    ['linux/arm64/v8.2', ['linux/arm64/v8.2', 'linux/arm64/v8.1', 'linux/arm64', 'linux/arm/v8', 'linux/arm/v7', 'linux/arm/v6', 'linux/arm/v5']],
    [
      'linux/arm64/v9.1',
      ['linux/arm64/v9.1', 'linux/arm64/v9', 'linux/arm64/v8.6', 'linux/arm64/v8.5', 'linux/arm64/v8.4', 'linux/arm64/v8.3', 'linux/arm64/v8.2', 'linux/arm64/v8.1', 'linux/arm64', 'linux/arm/v8', 'linux/arm/v7', 'linux/arm/v6', 'linux/arm/v5'],
    ],
    ['linux/s390x', ['linux/s390x']],
  ])('%s → %j', (spec, expected) => {
    expect(platformVector(normalizePlatform(parsePlatform(spec))).map(formatPlatform)).toEqual(expected);
  });

  it('keeps os.version and os.features on every entry', () => {
    const v = platformVector({ os: 'windows', architecture: 'amd64', 'os.version': '10.0.20348', 'os.features': ['win32k'] });
    expect(v.map(formatPlatform)).toEqual(['windows(10.0.20348+win32k)/amd64', 'windows(10.0.20348+win32k)/386']);
  });
});

describe('Windows os.version', () => {
  const host = (build: number): Platform => ({ os: 'windows', architecture: 'amd64', 'os.version': `10.0.${build}` });
  const image = (version?: string): Platform => ({ os: 'windows', architecture: 'amd64', ...(version ? { 'os.version': version } : {}) });
  it.each<[number, string | undefined, boolean]>([
    [17763, '10.0.17763.5576', true],
    [17763, '10.0.17763', true],
    [17763, '10.0.20348.2340', false],
    [17763, '10.0.17762.1', false],
    [17763, '10.0.17764.1', false],
    [17763, undefined, true], // HPC images carry no os.version
    [20348, '10.0.17763.1', false],
    [20348, '10.0.20348.2340', true],
    [22621, '10.0.20348.1', true],
    [22621, '10.0.22621.1', true],
    [22621, '10.0.22631.1', false],
    [22621, '10.0.17763.1', false],
    [25398, '10.0.20348.1', true],
    [26100, '10.0.20348.1', true],
    [26100, '10.0.22621.1', true],
    [26100, '10.0.26100.1', true],
    [26200, '10.0.26100.1', true],
    [26200, '10.0.20348.1', false], // past LTSC 2025 the window starts at 2025
    [20348, '6.3.20348', false], // major.minor must agree
    [20348, 'garbage', false],
  ])('host 10.0.%d runs %s: %s', (build, version, expected) => {
    expect(only(host(build)).match(image(version))).toBe(expected);
  });

  it('a Windows platform asked for without os.version takes every build (and a bogus one is the same)', () => {
    expect(only(image()).match(image('10.0.26100.1'))).toBe(true);
    expect(exactMatcher(image('99.99.99.99')).match(image())).toBe(true);
  });

  it('prefers the newest os.version among matches', () => {
    const m = only(host(26100));
    const candidates = [image(), image('10.0.20348.100'), image('10.0.26100.2'), image('10.0.20348.2340'), image('10.0.17763.9')];
    const sorted = [...candidates].sort((a, b) => (m.less(a, b) ? -1 : m.less(b, a) ? 1 : 0));
    expect(sorted.map((p) => p['os.version'] ?? '-')).toEqual(['10.0.26100.2', '10.0.20348.2340', '10.0.20348.100', '-', '10.0.17763.9']);
  });
});

describe('os.features', () => {
  const linux = (features?: string[]): Platform => ({ os: 'linux', architecture: 'amd64', ...(features ? { 'os.features': features } : {}) });
  it.each<[string[] | undefined, string[] | undefined, boolean]>([
    [undefined, undefined, true],
    [['gpu'], undefined, true],
    [['gpu'], ['gpu'], true],
    [['gpu', 'simd'], ['simd'], true],
    [['simd', 'gpu'], ['gpu', 'simd'], true],
    [['gpu'], ['gpu', 'simd'], false],
    [undefined, ['gpu'], false],
    // win32k is what every Windows host offers; on Linux it is a feature like any other.
    [undefined, ['win32k'], false],
    [['gpu'], ['win32k', 'gpu'], false],
  ])('wanted %j, candidate %j: %s', (wanted, candidate, expected) => {
    expect(onlyStrict(linux(wanted)).match(linux(candidate))).toBe(expected);
  });

  it('takes win32k as offered by every Windows host, and only there', () => {
    const windows = (features?: string[]): Platform => ({ os: 'windows', architecture: 'amd64', ...(features ? { 'os.features': features } : {}) });
    expect(onlyStrict(windows()).match(windows(['win32k']))).toBe(true);
    expect(onlyStrict(windows(['gpu'])).match(windows(['win32k', 'gpu']))).toBe(true);
    expect(onlyStrict(windows()).match(windows(['gpu']))).toBe(false);
  });

  it('prefers the candidate with more os.features', () => {
    const m = only(linux(['a', 'b']));
    expect(m.less(linux(['a', 'b']), linux(['a']))).toBe(true);
    expect(m.less(linux(['a']), linux(['a', 'b']))).toBe(false);
    expect(m.less(linux(), linux(['a']))).toBe(false);
  });

  it('sorts non-matching candidates by platform once os.features are ignored', () => {
    const m = ordered(linux(), { os: 'linux', architecture: '386' });
    expect(m.less({ ...linux(), 'os.features': ['x'] }, { os: 'linux', architecture: '386', 'os.features': ['x'] })).toBe(true);
  });
});

describe('comparers', () => {
  const p = (s: string): Platform => parsePlatform(s);

  it('ordered prefers earlier platforms and never a non-match', () => {
    const m = ordered(p('linux/arm64'), p('linux/amd64'));
    expect(m.less(p('linux/arm64'), p('linux/amd64'))).toBe(true);
    expect(m.less(p('linux/amd64'), p('linux/arm64'))).toBe(false);
    expect(m.less(p('linux/amd64'), p('linux/s390x'))).toBe(true);
    expect(m.less(p('linux/s390x'), p('linux/amd64'))).toBe(false);
    expect(m.less(p('linux/s390x'), p('linux/ppc64le'))).toBe(false);
    expect(m.rank(p('linux/amd64'))).toBe(1);
    expect(m.rank(p('linux/s390x'))).toBe(-1);
  });

  it('only ranks by compatibility: amd64/v3 host prefers v3, then v2, then v1, then 386', () => {
    const m = only(p('linux/amd64/v3'));
    const candidates = ['linux/386', 'linux/amd64', 'linux/amd64/v3', 'linux/arm64', 'linux/amd64/v2'].map(p);
    const sorted = [...candidates].sort((a, b) => (m.less(a, b) ? -1 : m.less(b, a) ? 1 : 0));
    expect(sorted.map(formatPlatform)).toEqual(['linux/amd64/v3', 'linux/amd64/v2', 'linux/amd64', 'linux/386', 'linux/arm64']);
  });

  it('any matches every listed platform and prefers none of them', () => {
    const m = any(p('linux/arm64'), p('linux/amd64'));
    expect(m.match(p('linux/amd64'))).toBe(true);
    expect(m.match(p('linux/386'))).toBe(false);
    expect(m.less(p('linux/arm64'), p('linux/amd64'))).toBe(false);
    expect(m.less(p('linux/amd64'), p('linux/arm64'))).toBe(false);
    expect(m.less(p('linux/amd64'), p('linux/386'))).toBe(true);
    expect(m.less(p('linux/386'), p('linux/amd64'))).toBe(false);
  });

  it('all matches everything, including unknown/unknown, and orders nothing', () => {
    expect(all.match({ os: 'unknown', architecture: 'unknown' })).toBe(true);
    expect(all.less(p('linux/amd64'), p('linux/arm64'))).toBe(false);
  });
});

describe('defaultMatcher and requestedMatcher', () => {
  it.each<[string, string, boolean]>([
    ['linux/amd64', 'linux/386', true],
    ['linux/amd64', 'linux/arm64', false],
    ['linux/arm64', 'linux/arm/v7', true],
    ['linux/arm/v8', 'linux/arm/v7', true], // arm/v8 host vs arm/v7 image
    ['linux/arm/v7', 'linux/arm/v8', false],
    ['darwin/arm64', 'linux/arm64', true], // macOS runs Linux containers of its CPU in a VM
    ['darwin/arm64', 'linux/arm/v7', false],
    ['darwin/arm64', 'darwin/arm64', true],
    ['freebsd/amd64', 'freebsd/amd64', true], // FreeBSD: itself, then Linux through its emulation
    ['freebsd/amd64', 'linux/amd64', true],
    ['freebsd/amd64', 'linux/386', false],
    ['windows(10.0.20348)/amd64', 'windows(10.0.20348.1)/amd64', true],
    ['windows(10.0.20348)/amd64', 'windows/386', false],
  ])('FERRY_PLATFORM=%s: default matches %s: %s', (hostSpec, candidate, expected) => {
    process.env.FERRY_PLATFORM = hostSpec;
    expect(defaultMatcher().match(parsePlatform(candidate))).toBe(expected);
  });

  it('requests keep their order, each followed by what it runs unless strict', () => {
    const m = requestedMatcher([parsePlatform('linux/arm64'), parsePlatform('linux/amd64')]);
    expect(m.platforms.map(formatPlatform)).toEqual([
      'linux/arm64', 'linux/arm/v8', 'linux/arm/v7', 'linux/arm/v6', 'linux/arm/v5', 'linux/amd64', 'linux/386',
    ]);
    const strict = requestedMatcher([parsePlatform('linux/arm64/v8'), parsePlatform('linux/amd64')], { strict: true });
    expect(strict.platforms.map(formatPlatform)).toEqual(['linux/arm64', 'linux/amd64']);
  });

  it('is one answer for a host given explicitly: darwin and FreeBSD prefer themselves, then Linux on their CPU', () => {
    expect(defaultMatcher(parsePlatform('darwin/arm64')).platforms.map(formatPlatform)).toEqual(['darwin/arm64', 'linux/arm64']);
    expect(defaultMatcher(parsePlatform('freebsd/amd64')).platforms.map(formatPlatform)).toEqual(['freebsd/amd64', 'linux/amd64']);
    expect(defaultMatcher(parsePlatform('linux/amd64')).platforms.map(formatPlatform)).toEqual(['linux/amd64', 'linux/386']);
    expect(defaultMatcher(parsePlatform('linux/amd64'), { strict: true }).platforms.map(formatPlatform)).toEqual(['linux/amd64']);
  });

  it('no request means the host default (strict: the host alone)', () => {
    process.env.FERRY_PLATFORM = 'linux/arm64';
    expect(requestedMatcher([]).match(parsePlatform('linux/arm/v6'))).toBe(true);
    expect(requestedMatcher([], { strict: true }).match(parsePlatform('linux/arm/v6'))).toBe(false);
  });
});

// Found by running containerd/platforms' own tests and code against ferry.
describe('matcher edge cases from containerd/platforms', () => {
  it('arm64/v9 runs 32-bit arm up to v8: there is no arm/v9', () => {
    const m = only(parsePlatform('linux/arm64/v9'));
    expect(m.match(parsePlatform('linux/arm/v8'))).toBe(true);
    expect(m.match(parsePlatform('linux/arm/v7'))).toBe(true);
    expect(m.match(parsePlatform('linux/arm/v9'))).toBe(false);
    expect(platformVector(normalizePlatform(parsePlatform('linux/arm64/v9'))).map(formatPlatform)).not.toContain('linux/arm/v9');
  });

  it('FormatAll lists each os.feature once, sorted', () => {
    expect(formatPlatform({ os: 'windows', architecture: 'amd64', 'os.version': '10.0.20348', 'os.features': ['win32k', 'gpu', 'win32k'] })).toBe(
      'windows(10.0.20348+gpu+win32k)/amd64',
    );
  });

  it('OnlyOS matches every architecture of the OS, the platform itself first', () => {
    const m = onlyOs(parsePlatform('linux/arm64'));
    expect(m.match(parsePlatform('linux/amd64'))).toBe(true);
    expect(m.match(parsePlatform('linux/s390x'))).toBe(true);
    expect(m.match(parsePlatform('windows/arm64'))).toBe(false);
    const candidates = ['linux/amd64', 'windows/arm64', 'linux/arm64', 'linux/arm/v7'].map((c) => parsePlatform(c));
    const sorted = [...candidates].sort((a, b) => (m.less(a, b) ? -1 : m.less(b, a) ? 1 : 0));
    expect(sorted.map(formatPlatform).slice(0, 1)).toEqual(['linux/arm64']);
    expect(formatPlatform(sorted.at(-1)!)).toBe('windows/arm64');
    expect(onlyOs(parsePlatform('linux/amd64')).match({ os: 'linux', architecture: 'amd64', 'os.features': ['gpu'] })).toBe(false);
  });
});
