import { readFileSync } from 'node:fs';
import * as nodeOs from 'node:os';
import { FerryError, isFerryError } from '../errors.js';
import type { Platform } from '../oci/descriptor.js';
import { normalizePlatform } from './normalize.js';
import { formatPlatform, parsePlatform } from './parse.js';

/**
 * The platform ferry runs on, in Go's names, as containerd's `DefaultSpec()` computes it.
 *
 * FERRY_PLATFORM overrides it: set it to a specifier (`linux/arm64`, `linux/arm/v6`, `windows(10.0.20348)/amd64`)
 * and ferry behaves as if it ran there — which manifest import unpacks, what a one-word `--platform arm64` means.
 * Tests use it to pretend another host; users use it to prepare archives for another machine.
 */
export const PLATFORM_ENV = 'FERRY_PLATFORM';

/** Node's process.platform → GOOS. */
const GOOS: Readonly<Record<string, string>> = {
  win32: 'windows',
  cygwin: 'windows',
  sunos: 'solaris',
};

/** Node's process.arch → GOARCH (ppc64 is decided by endianness below). */
const GOARCH: Readonly<Record<string, string>> = {
  x64: 'amd64',
  ia32: '386',
  mipsel: 'mipsle',
  mips64el: 'mips64le',
};

/**
 * containerd's `getCPUVariantFromArch`: the variant from the kernel's machine name (`uname -m`), for ARM systems
 * whose /proc/cpuinfo lacks "CPU architecture" (e.g. emulated). Returns undefined for a name that is not ARM.
 */
export function armVariantFromMachine(machine: string): string | undefined {
  const m = machine.toLowerCase();
  if (m === 'aarch64') return '8';
  if (m.startsWith('armv') && m.length >= 5) {
    const digit = m[4] ?? '';
    return '345678'.includes(digit) ? digit : 'unknown';
  }
  return undefined;
}

/**
 * containerd's `getArmCPUVariant`: the "CPU architecture" field of /proc/cpuinfo (first core), falling back to
 * the machine name, mapped to v3…v8 (or `unknown`). Raspberry Pi ARMv6 boards report 7 with an "ARMv6-compatible"
 * model name; a 32-bit process there is v6.
 */
export function armVariantFromCpuinfo(cpuinfo: string, machine: string, arch: 'arm' | 'arm64'): string {
  const field = (name: string): string | undefined => {
    for (const line of cpuinfo.split('\n')) {
      const colon = line.indexOf(':');
      if (colon >= 0 && line.slice(0, colon).trim().toLowerCase() === name) return line.slice(colon + 1).split(':')[0]?.trim();
    }
    return undefined;
  };
  let raw = field('cpu architecture') ?? armVariantFromMachine(machine);
  if (raw === undefined) return '';
  if (arch === 'arm' && raw === '7' && (field('model name') ?? '').toLowerCase().startsWith('armv6-compatible')) raw = '6';
  switch (raw.toLowerCase()) {
    case '8':
    case 'aarch64':
      return 'v8';
    case '7':
    case '7m':
    case '?(12)':
    case '?(13)':
    case '?(14)':
    case '?(15)':
    case '?(16)':
    case '?(17)':
      return 'v7';
    case '6':
    case '6tej':
      return 'v6';
    case '5':
    case '5t':
    case '5te':
    case '5tej':
      return 'v5';
    case '4':
    case '4t':
      return 'v4';
    case '3':
      return 'v3';
    default:
      return 'unknown';
  }
}

function readCpuinfo(): string {
  try {
    return readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return '';
  }
}

/** What Node tells about the machine, mapped to an OCI platform. Pure, for tests. */
export function platformFromNode(info: {
  platform: string;
  arch: string;
  endianness: 'BE' | 'LE';
  release: string;
  machine: string;
  cpuinfo: () => string;
}): Platform {
  const os = GOOS[info.platform] ?? info.platform;
  let arch = GOARCH[info.arch] ?? info.arch;
  if (arch === 'ppc64' && info.endianness === 'LE') arch = 'ppc64le';
  const p: Platform = { architecture: arch, os };
  if (os === 'windows') {
    // os.release() is "major.minor.build", what containerd puts in os.version (RtlGetNtVersionNumbers).
    const version = /^\d+\.\d+\.\d+/.exec(info.release)?.[0];
    if (version) p['os.version'] = version;
  }
  if (arch === 'arm' || arch === 'arm64') {
    const variant = armVariantFromCpuinfo(os === 'linux' ? info.cpuinfo() : '', info.machine, arch);
    if (variant) p.variant = variant;
  }
  return normalizePlatform(p);
}

let native: Platform | undefined;

/** The real machine, ignoring FERRY_PLATFORM; detected once. */
export function nativePlatform(): Platform {
  native ??= platformFromNode({
    platform: process.platform,
    arch: process.arch,
    endianness: nodeOs.endianness(),
    release: nodeOs.release(),
    machine: typeof nodeOs.machine === 'function' ? nodeOs.machine() : '',
    cpuinfo: readCpuinfo,
  });
  return native;
}

/**
 * The platform ferry acts for: FERRY_PLATFORM when set (read on every call), else the real machine. Normalized,
 * so an arm64 host is `linux/arm64` and a 32-bit ARMv7 host `linux/arm/v7`.
 */
export function hostPlatform(): Platform {
  const override = process.env[PLATFORM_ENV];
  if (override === undefined || override === '') return nativePlatform();
  const real = nativePlatform();
  try {
    return normalizePlatform(parsePlatform(override, real));
  } catch (err) {
    if (!isFerryError(err, 'ERR_INVALID_PLATFORM')) throw err;
    throw new FerryError('ERR_INVALID_PLATFORM', `${PLATFORM_ENV}=${JSON.stringify(override)} is not a platform: ${err.message}`, {
      hint: `unset ${PLATFORM_ENV} to use this machine (${formatPlatform(real)}), or set it to os/arch[/variant], e.g. linux/arm64`,
    });
  }
}
