import { afterEach, describe, expect, it } from 'vitest';
import { FerryError } from '../../src/errors.js';
import { armVariantFromCpuinfo, armVariantFromMachine, hostPlatform, nativePlatform, platformFromNode } from '../../src/platform/host.js';
import { thrown } from '../helpers/thrown.js';

afterEach(() => {
  delete process.env.FERRY_PLATFORM;
});

const node = (platform: string, arch: string, extra: { endianness?: 'BE' | 'LE'; release?: string; machine?: string; cpuinfo?: string } = {}) =>
  platformFromNode({
    platform,
    arch,
    endianness: extra.endianness ?? 'LE',
    release: extra.release ?? '6.1.0',
    machine: extra.machine ?? '',
    cpuinfo: () => extra.cpuinfo ?? '',
  });

describe('platformFromNode', () => {
  it.each([
    ['linux', 'x64', {}, { os: 'linux', architecture: 'amd64' }],
    ['linux', 'ia32', {}, { os: 'linux', architecture: '386' }],
    ['linux', 'arm64', { cpuinfo: 'processor\t: 0\nCPU architecture: 8\n' }, { os: 'linux', architecture: 'arm64' }],
    ['linux', 'arm', { cpuinfo: 'CPU architecture: 7\n' }, { os: 'linux', architecture: 'arm', variant: 'v7' }],
    ['linux', 'arm', { cpuinfo: 'model name\t: ARMv6-compatible processor rev 7 (v6l)\nCPU architecture: 7\n' }, { os: 'linux', architecture: 'arm', variant: 'v6' }],
    ['linux', 'arm', { machine: 'armv6l' }, { os: 'linux', architecture: 'arm', variant: 'v6' }],
    ['linux', 'ppc64', { endianness: 'LE' as const }, { os: 'linux', architecture: 'ppc64le' }],
    ['linux', 'ppc64', { endianness: 'BE' as const }, { os: 'linux', architecture: 'ppc64' }],
    ['linux', 's390x', {}, { os: 'linux', architecture: 's390x' }],
    ['linux', 'riscv64', {}, { os: 'linux', architecture: 'riscv64' }],
    ['linux', 'loong64', {}, { os: 'linux', architecture: 'loong64' }],
    ['linux', 'mipsel', {}, { os: 'linux', architecture: 'mipsle' }],
    ['darwin', 'arm64', { machine: 'arm64' }, { os: 'darwin', architecture: 'arm64' }],
    ['win32', 'x64', { release: '10.0.20348' }, { os: 'windows', architecture: 'amd64', 'os.version': '10.0.20348' }],
    ['sunos', 'x64', {}, { os: 'solaris', architecture: 'amd64' }],
  ])('%s %s %j → %j', (platform, arch, extra, expected) => {
    expect(node(platform, arch, extra)).toEqual(expected);
  });
});

// containerd/platforms cpuinfo_linux.go getArmCPUVariant and cpuinfo_linux_test.go TestGetCPUVariantFromArch.
describe('ARM variant detection', () => {
  it.each([
    ['8', 'v8'],
    ['AArch64', 'v8'],
    ['7', 'v7'],
    ['7M', 'v7'],
    ['?(12)', 'v7'],
    ['6', 'v6'],
    ['6TEJ', 'v6'],
    ['5TE', 'v5'],
    ['4T', 'v4'],
    ['3', 'v3'],
    ['9', 'unknown'],
  ])('CPU architecture %s → %s', (field, expected) => {
    expect(armVariantFromCpuinfo(`processor : 0\nCPU architecture: ${field}\nprocessor : 1\nCPU architecture: 5\n`, '', 'arm64')).toBe(expected);
  });

  it.each([
    ['aarch64', '8'],
    ['Armv8', '8'],
    ['armv7', '7'],
    ['armv7l', '7'],
    ['armv6', '6'],
    ['armv5', '5'],
    ['armv4', '4'],
    ['armv3', '3'],
    ['armv9', 'unknown'],
    ['armxxxx', undefined],
    ['armv', undefined],
    ['x86_64', undefined],
  ])('machine %s → %j', (machine, expected) => {
    expect(armVariantFromMachine(machine)).toBe(expected);
  });

  it('a Raspberry Pi ARMv6 reporting 7 is v6 only for a 32-bit process', () => {
    const cpuinfo = 'model name : ARMv6-compatible processor\nCPU architecture: 7\n';
    expect(armVariantFromCpuinfo(cpuinfo, '', 'arm')).toBe('v6');
    expect(armVariantFromCpuinfo(cpuinfo, '', 'arm64')).toBe('v7');
  });

  it('without the field nor an ARM machine name there is no variant', () => {
    expect(armVariantFromCpuinfo('', 'x86_64', 'arm')).toBe('');
  });
});

describe('hostPlatform', () => {
  it('is the native platform without FERRY_PLATFORM', () => {
    expect(hostPlatform()).toEqual(nativePlatform());
    expect(nativePlatform().os).toBe(process.platform === 'win32' ? 'windows' : process.platform);
  });

  it.each([
    ['linux/arm64/v8', { os: 'linux', architecture: 'arm64' }],
    ['linux/arm/v6', { os: 'linux', architecture: 'arm', variant: 'v6' }],
    ['linux/arm', { os: 'linux', architecture: 'arm', variant: 'v7' }],
    ['windows(10.0.20348)/amd64', { os: 'windows', architecture: 'amd64', 'os.version': '10.0.20348' }],
    ['linux/amd64/v3', { os: 'linux', architecture: 'amd64', variant: 'v3' }],
  ])('FERRY_PLATFORM=%s → %j', (spec, expected) => {
    process.env.FERRY_PLATFORM = spec;
    expect(hostPlatform()).toEqual(expected);
  });

  it('a one-word FERRY_PLATFORM fills in from the real machine', () => {
    process.env.FERRY_PLATFORM = 's390x';
    expect(hostPlatform()).toEqual({ os: nativePlatform().os, architecture: 's390x' });
  });

  it('a bad FERRY_PLATFORM is an ERR_INVALID_PLATFORM naming the variable', () => {
    process.env.FERRY_PLATFORM = 'linux/arm/v7/extra';
    const caught = thrown(() => hostPlatform());
    expect(caught).toBeInstanceOf(FerryError);
    expect((caught as FerryError).code).toBe('ERR_INVALID_PLATFORM');
    expect((caught as FerryError).message).toContain('FERRY_PLATFORM="linux/arm/v7/extra"');
    expect((caught as FerryError).hint).toContain('unset FERRY_PLATFORM');
  });
});
