import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isKnownArch, isKnownOs, normalizeArch, normalizeOs, normalizePlatform } from '../../src/platform/normalize.js';

// containerd/platforms database.go normalizeArch, case by case.
describe('normalizeArch', () => {
  it.each([
    ['i386', '', '386', ''],
    ['i386', 'v2', '386', ''],
    ['386', '', '386', ''],
    ['x86_64', '', 'amd64', ''],
    ['x86-64', '', 'amd64', ''],
    ['X86_64', '', 'amd64', ''],
    ['amd64', 'v1', 'amd64', ''],
    ['amd64', 'V1', 'amd64', ''],
    ['amd64', 'v2', 'amd64', 'v2'],
    ['amd64', 'v3', 'amd64', 'v3'],
    ['amd64', 'v4', 'amd64', 'v4'],
    ['x86_64', 'v3', 'amd64', 'v3'],
    ['aarch64', '', 'arm64', ''],
    ['Aarch64', '', 'arm64', ''],
    ['arm64', '', 'arm64', ''],
    ['arm64', '8', 'arm64', ''],
    ['arm64', 'v8', 'arm64', ''],
    ['arm64', 'v8.0', 'arm64', ''],
    ['aarch64', 'v8', 'arm64', ''],
    ['arm64', '9', 'arm64', 'v9'],
    ['arm64', '9.0', 'arm64', 'v9'],
    ['arm64', 'v9.0', 'arm64', 'v9'],
    ['arm64', 'v9', 'arm64', 'v9'],
    ['arm64', 'v8.2', 'arm64', 'v8.2'],
    ['arm64', 'v8.10', 'arm64', 'v8.10'],
    ['arm64', '8.0', 'arm64', '8.0'],
    ['armhf', '', 'arm', 'v7'],
    ['armhf', 'v6', 'arm', 'v7'],
    ['armel', '', 'arm', 'v6'],
    ['arm', '', 'arm', 'v7'],
    ['arm', '7', 'arm', 'v7'],
    ['arm', 'v7', 'arm', 'v7'],
    ['arm', '5', 'arm', 'v5'],
    ['arm', '6', 'arm', 'v6'],
    ['arm', '8', 'arm', 'v8'],
    ['arm', 'v4', 'arm', 'v4'],
    ['arm', '4', 'arm', '4'],
    ['i686', '', 'i686', ''],
    ['ppc64le', '', 'ppc64le', ''],
    ['ppc64le', 'power9', 'ppc64le', 'power9'],
    ['s390x', '', 's390x', ''],
    ['riscv64', '', 'riscv64', ''],
    ['loong64', '', 'loong64', ''],
    ['mips64le', '', 'mips64le', ''],
    ['RISCV64', 'RVA23U64', 'riscv64', 'rva23u64'],
  ])('%s variant %j → %s %j', (arch, variant, wantArch, wantVariant) => {
    expect(normalizeArch(arch, variant)).toEqual({ arch: wantArch, variant: wantVariant });
  });
});

describe('normalizeOs', () => {
  beforeEach(() => {
    process.env.FERRY_PLATFORM = 'freebsd/amd64';
  });
  afterEach(() => {
    delete process.env.FERRY_PLATFORM;
  });
  it.each([
    ['linux', 'linux'],
    ['Linux', 'linux'],
    ['macos', 'darwin'],
    ['macOS', 'darwin'],
    ['darwin', 'darwin'],
    ['Windows', 'windows'],
    ['unknown', 'unknown'],
    ['', 'freebsd'], // empty means the host's, as in containerd
  ])('%j → %s', (os, want) => {
    expect(normalizeOs(os)).toBe(want);
  });
});

describe('normalizePlatform', () => {
  it('sorts and de-duplicates os.features, keeps os.version and unknown fields', () => {
    const p = normalizePlatform({
      os: 'Windows',
      architecture: 'x86_64',
      'os.version': '10.0.20348.1',
      'os.features': ['win32k', 'b', 'win32k', 'a'],
      features: ['sse4'],
      extra: 1,
    });
    expect(p).toEqual({
      os: 'windows',
      architecture: 'amd64',
      'os.version': '10.0.20348.1',
      'os.features': ['a', 'b', 'win32k'],
      features: ['sse4'],
      extra: 1,
    });
  });

  it('drops empty optional fields and does not touch its input', () => {
    const input = { os: 'linux', architecture: 'arm64', variant: 'v8', 'os.version': '', 'os.features': [] };
    expect(normalizePlatform(input)).toEqual({ os: 'linux', architecture: 'arm64' });
    expect(input.variant).toBe('v8');
  });

  it('gives arm its implicit v7', () => {
    expect(normalizePlatform({ os: 'linux', architecture: 'arm' })).toEqual({ os: 'linux', architecture: 'arm', variant: 'v7' });
  });
});

describe('known names', () => {
  it.each([
    ['linux', true],
    ['windows', true],
    ['darwin', true],
    ['macos', false],
    ['amd64', false],
  ])('isKnownOs(%s) = %s', (os, want) => {
    expect(isKnownOs(os)).toBe(want);
  });
  it.each([
    ['amd64', true],
    ['386', true],
    ['arm64', true],
    ['ppc64le', true],
    ['riscv64', true],
    ['loong64', true],
    ['s390x', true],
    ['i686', false],
    ['x86_64', false],
  ])('isKnownArch(%s) = %s', (arch, want) => {
    expect(isKnownArch(arch)).toBe(want);
  });
});
