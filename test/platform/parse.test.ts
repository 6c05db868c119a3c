import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FerryError } from '../../src/errors.js';
import type { Platform } from '../../src/oci/descriptor.js';
import { exactMatcher } from '../../src/platform/match.js';
import { formatPlatform, parsePlatform, parsePlatforms } from '../../src/platform/parse.js';
import { thrown } from '../helpers/thrown.js';

// containerd/platforms TestParseSelector, with the host pinned to linux/amd64 (defaultOS/defaultArch).
beforeEach(() => {
  process.env.FERRY_PLATFORM = 'linux/amd64';
});
afterEach(() => {
  delete process.env.FERRY_PLATFORM;
});

describe('parsePlatform', () => {
  it.each<[string, Platform, string, Platform[]]>([
    ['linux/arm64', { os: 'linux', architecture: 'arm64' }, 'linux/arm64', [
      { os: 'linux', architecture: 'aarch64' },
      { os: 'linux', architecture: 'aarch64', variant: 'v8' },
      { os: 'linux', architecture: 'arm64', variant: 'v8' },
    ]],
    ['linux/arm64/v8', { os: 'linux', architecture: 'arm64', variant: 'v8' }, 'linux/arm64/v8', [
      { os: 'linux', architecture: 'aarch64' },
      { os: 'linux', architecture: 'aarch64', variant: 'v8' },
      { os: 'linux', architecture: 'arm64' },
    ]],
    ['linux/arm64/8', { os: 'linux', architecture: 'arm64', variant: 'v8' }, 'linux/arm64/v8', []],
    ['linux/aarch64/v8.0', { os: 'linux', architecture: 'arm64', variant: 'v8' }, 'linux/arm64/v8', []],
    ['linux/arm64/9.0', { os: 'linux', architecture: 'arm64', variant: 'v9' }, 'linux/arm64/v9', []],
    ['linux/arm64/v8.2', { os: 'linux', architecture: 'arm64', variant: 'v8.2' }, 'linux/arm64/v8.2', []],
    ['linux/arm', { os: 'linux', architecture: 'arm' }, 'linux/arm', [
      { os: 'linux', architecture: 'arm', variant: 'v7' },
      { os: 'linux', architecture: 'armhf' },
      { os: 'linux', architecture: 'arm', variant: '7' },
    ]],
    ['linux/arm/v6', { os: 'linux', architecture: 'arm', variant: 'v6' }, 'linux/arm/v6', [{ os: 'linux', architecture: 'armel' }]],
    ['linux/arm/v7', { os: 'linux', architecture: 'arm', variant: 'v7' }, 'linux/arm/v7', [
      { os: 'linux', architecture: 'arm' },
      { os: 'linux', architecture: 'armhf' },
    ]],
    ['linux/amd64/v1', { os: 'linux', architecture: 'amd64' }, 'linux/amd64', []],
    ['linux/amd64/v3', { os: 'linux', architecture: 'amd64', variant: 'v3' }, 'linux/amd64/v3', []],
    ['linux/i686', { os: 'linux', architecture: 'i686' }, 'linux/i686', []],
    ['arm', { os: 'linux', architecture: 'arm' }, 'linux/arm', []],
    ['armel', { os: 'linux', architecture: 'arm', variant: 'v6' }, 'linux/arm/v6', []],
    ['armhf', { os: 'linux', architecture: 'arm' }, 'linux/arm', []],
    ['Aarch64', { os: 'linux', architecture: 'arm64' }, 'linux/arm64', []],
    ['x86_64', { os: 'linux', architecture: 'amd64' }, 'linux/amd64', []],
    ['Linux/x86_64', { os: 'linux', architecture: 'amd64' }, 'linux/amd64', []],
    ['i386', { os: 'linux', architecture: '386' }, 'linux/386', []],
    ['linux', { os: 'linux', architecture: 'amd64' }, 'linux/amd64', []],
    ['s390x', { os: 'linux', architecture: 's390x' }, 'linux/s390x', []],
    ['linux/s390x', { os: 'linux', architecture: 's390x' }, 'linux/s390x', []],
    ['macOS', { os: 'darwin', architecture: 'amd64' }, 'darwin/amd64', []],
    ['windows', { os: 'windows', architecture: 'amd64' }, 'windows/amd64', []],
    ['windows()', { os: 'windows', architecture: 'amd64' }, 'windows/amd64', []],
    ['windows(10.0.17763)', { os: 'windows', 'os.version': '10.0.17763', architecture: 'amd64' }, 'windows(10.0.17763)/amd64', []],
    ['windows(10.0.17763)/amd64', { os: 'windows', 'os.version': '10.0.17763', architecture: 'amd64' }, 'windows(10.0.17763)/amd64', []],
    ['macos(Abcd.Efgh.123-4)/aarch64', { os: 'darwin', 'os.version': 'Abcd.Efgh.123-4', architecture: 'arm64' }, 'darwin(Abcd.Efgh.123-4)/arm64', []],
    ['windows(10.0.17763+win32k)', { os: 'windows', 'os.version': '10.0.17763', 'os.features': ['win32k'], architecture: 'amd64' }, 'windows(10.0.17763+win32k)/amd64', []],
    ['windows(10.0.17763+win32k)/amd64', { os: 'windows', 'os.version': '10.0.17763', 'os.features': ['win32k'], architecture: 'amd64' }, 'windows(10.0.17763+win32k)/amd64', []],
    ['linux(+gpu)', { os: 'linux', 'os.features': ['gpu'], architecture: 'amd64' }, 'linux(+gpu)/amd64', []],
    ['linux(+gpu+simd)', { os: 'linux', 'os.features': ['gpu', 'simd'], architecture: 'amd64' }, 'linux(+gpu+simd)/amd64', []],
    ['linux(+unsorted+erofs)', { os: 'linux', 'os.features': ['unsorted', 'erofs'], architecture: 'amd64' }, 'linux(+erofs+unsorted)/amd64', []],
    ['windows(10.0.17763%2Bbuild.42)', { os: 'windows', 'os.version': '10.0.17763+build.42', architecture: 'amd64' }, 'windows(10.0.17763%2Bbuild.42)/amd64', []],
    ['windows(10.0.17763%2Bbuild.42+win32k)', { os: 'windows', 'os.version': '10.0.17763+build.42', 'os.features': ['win32k'], architecture: 'amd64' }, 'windows(10.0.17763%2Bbuild.42+win32k)/amd64', []],
    ['windows(50%25done)', { os: 'windows', 'os.version': '50%done', architecture: 'amd64' }, 'windows(50%25done)/amd64', []],
  ])('%s', (input, expected, formatted, matches) => {
    const p = parsePlatform(input);
    expect(p).toEqual(expected);
    const m = exactMatcher(p);
    expect(m.match(expected)).toBe(true);
    for (const candidate of matches) expect(m.match(candidate)).toBe(true);
    expect(formatPlatform(p)).toBe(formatted);
    // The formatted form parses back to the same specifier.
    expect(formatPlatform(parsePlatform(formatted))).toBe(formatted);
  });

  it('takes a one-word OS architecture from the host, with the arm variant unless it is v7', () => {
    process.env.FERRY_PLATFORM = 'linux/arm/v6';
    expect(parsePlatform('linux')).toEqual({ os: 'linux', architecture: 'arm', variant: 'v6' });
    process.env.FERRY_PLATFORM = 'linux/arm/v7';
    expect(parsePlatform('linux')).toEqual({ os: 'linux', architecture: 'arm' });
    process.env.FERRY_PLATFORM = 'linux/amd64/v3';
    expect(parsePlatform('windows')).toEqual({ os: 'windows', architecture: 'amd64' });
  });

  it('takes a one-word architecture OS from the host', () => {
    process.env.FERRY_PLATFORM = 'darwin/arm64';
    expect(parsePlatform('amd64')).toEqual({ os: 'darwin', architecture: 'amd64' });
  });

  it('uses explicit defaults instead of the host when given', () => {
    expect(parsePlatform('linux', { os: 'linux', architecture: 's390x' })).toEqual({ os: 'linux', architecture: 's390x' });
  });
});

describe('formatPlatform', () => {
  // containerd TestFormatAllEncoding and TestFormatAllSkipsEmptyOSFeatures.
  it.each<[Platform, string]>([
    [{ os: 'windows', 'os.version': '10.0.17763+build.42', architecture: 'amd64' }, 'windows(10.0.17763%2Bbuild.42)/amd64'],
    [{ os: 'windows', 'os.version': '10.0.17763+build.42', 'os.features': ['win32k'], architecture: 'amd64' }, 'windows(10.0.17763%2Bbuild.42+win32k)/amd64'],
    [{ os: 'windows', 'os.version': '50%done', architecture: 'amd64' }, 'windows(50%25done)/amd64'],
    [{ os: 'windows', 'os.version': '1.0(beta)', architecture: 'amd64' }, 'windows(1.0%28beta%29)/amd64'],
    [{ os: 'windows', 'os.version': 'a/b', architecture: 'amd64' }, 'windows(a%2Fb)/amd64'],
    [{ os: 'windows', 'os.version': '10.0.17763', architecture: 'amd64' }, 'windows(10.0.17763)/amd64'],
    [{ os: 'linux', 'os.features': ['feat+v2'], architecture: 'amd64' }, 'linux(+feat%2Bv2)/amd64'],
    [{ os: 'linux', 'os.features': ['100%gpu'], architecture: 'amd64' }, 'linux(+100%25gpu)/amd64'],
    [{ os: 'windows', 'os.version': '10.0+build', 'os.features': ['feat+1'], architecture: 'amd64' }, 'windows(10.0%2Bbuild+feat%2B1)/amd64'],
  ])('%j → %s and back', (platform, expected) => {
    expect(formatPlatform(platform)).toBe(expected);
    const reparsed = parsePlatform(expected);
    expect(reparsed['os.version']).toBe(platform['os.version']);
    expect(reparsed['os.features']).toEqual(platform['os.features']);
  });

  it.each<[Platform, string]>([
    [{ os: 'linux', architecture: 'amd64', 'os.features': ['', 'gpu', '', 'simd'] }, 'linux(+gpu+simd)/amd64'],
    [{ os: '', architecture: 'amd64' }, 'unknown'],
    [{ os: 'unknown', architecture: 'unknown' }, 'unknown/unknown'],
    [{ os: 'linux', architecture: 'arm', variant: 'v7' }, 'linux/arm/v7'],
    [{ os: 'linux', architecture: '' }, 'linux'],
  ])('%j → %s', (platform, expected) => {
    expect(formatPlatform(platform)).toBe(expected);
  });
});

describe('invalid specifiers', () => {
  it.each([
    ['', 'empty'],
    ['/linux/arm', 'leading slash'],
    ['linux/arm/', 'trailing slash'],
    ['linux//arm', 'empty middle part'],
    ['linux /arm', 'space'],
    ['linux/&arm', 'bad character'],
    ['linux/arm/foo/bar', 'four parts'],
    ['linux/arm/v7/x/y', 'five parts'],
    ['amd64/windows(10.0.17763)/foo', 'version outside the first part'],
    ['linux)()---()..../arm/foo', 'garbage'],
    ['../arm/foo', 'dots as OS'],
    ['*', 'wildcard'],
    ['linux/*', 'wildcard arch'],
    ['*/arm64', 'wildcard os'],
    ['i686', 'unknown one-word arch'],
    ['foo', 'unknown word'],
    ['linux(++)/amd64', 'empty feature'],
    ['windows(10.0%2)/amd64', 'short escape'],
    ['windows(10.0%zz)/amd64', 'non-hex escape'],
    ['linux(a(b))/amd64', 'nested parentheses'],
  ])('%j (%s) → ERR_INVALID_PLATFORM', (spec) => {
    const caught = thrown(() => parsePlatform(spec));
    expect(caught).toBeInstanceOf(FerryError);
    const err = caught as FerryError;
    expect(err.code).toBe('ERR_INVALID_PLATFORM');
    expect(err.message).toContain(JSON.stringify(spec));
    expect(err.hint).toContain('os/arch[/variant]');
    expect(err.hint).toContain('linux/arm64');
  });

  it('parsePlatforms fails on the first bad one', () => {
    expect(parsePlatforms(['linux/amd64', 'arm64'])).toEqual([
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64' },
    ]);
    expect(() => parsePlatforms(['linux/amd64', 'linux/'])).toThrow(/"linux\/"/);
  });
});
