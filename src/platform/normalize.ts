import type { Platform } from '../oci/descriptor.js';
import { hostPlatform } from './host.js';

/**
 * Canonical platform values, exactly as containerd/platforms (`database.go`) computes them, so that ferry picks the
 * same manifest of an index that containerd and Docker would.
 */

/** Operating systems Go knows (go/build syslist), used to tell an OS from an architecture in a one-word specifier. */
const KNOWN_OS: ReadonlySet<string> = new Set([
  'aix', 'android', 'darwin', 'dragonfly', 'freebsd', 'hurd', 'illumos', 'ios', 'js', 'linux', 'nacl', 'netbsd',
  'openbsd', 'plan9', 'solaris', 'windows', 'zos',
]);

/** Architectures Go knows; a one-word specifier that is neither a known OS nor one of these is an error. */
const KNOWN_ARCH: ReadonlySet<string> = new Set([
  '386', 'amd64', 'amd64p32', 'arm', 'armbe', 'arm64', 'arm64be', 'ppc64', 'ppc64le', 'loong64', 'mips', 'mipsle',
  'mips64', 'mips64le', 'mips64p32', 'mips64p32le', 'ppc', 'riscv', 'riscv64', 's390', 's390x', 'sparc', 'sparc64',
  'wasm',
]);

/** `os` must already be normalized. */
export function isKnownOs(os: string): boolean {
  return KNOWN_OS.has(os);
}

/** `arch` must already be normalized. */
export function isKnownArch(arch: string): boolean {
  return KNOWN_ARCH.has(arch);
}

/** Lower-cases and maps `macos` to `darwin`; an empty OS means the host's, as in containerd. */
export function normalizeOs(os: string): string {
  if (os === '') return hostPlatform().os;
  const lower = os.toLowerCase();
  return lower === 'macos' ? 'darwin' : lower;
}

export interface ArchAndVariant {
  arch: string;
  /** '' when the architecture has no variant (or its default one, which is written without it). */
  variant: string;
}

/**
 * Maps the many spellings of an architecture to Go's name and drops a variant that is the architecture's baseline,
 * so `aarch64/v8`, `arm64/8` and `arm64` compare equal. Anything not in the table (i686, ppc64le, riscv64, …) only
 * gets lower-cased: i686 is deliberately not 386, as in containerd.
 */
export function normalizeArch(arch: string, variant: string | undefined): ArchAndVariant {
  const a = arch.toLowerCase();
  let v = (variant ?? '').toLowerCase();
  switch (a) {
    case 'i386':
      return { arch: '386', variant: '' };
    case 'x86_64':
    case 'x86-64':
    case 'amd64':
      return { arch: 'amd64', variant: v === 'v1' ? '' : v };
    case 'aarch64':
    case 'arm64':
      if (v === '8' || v === 'v8' || v === 'v8.0') v = '';
      else if (v === '9' || v === '9.0' || v === 'v9.0') v = 'v9';
      return { arch: 'arm64', variant: v };
    case 'armhf':
      return { arch: 'arm', variant: 'v7' };
    case 'armel':
      return { arch: 'arm', variant: 'v6' };
    case 'arm':
      if (v === '' || v === '7') v = 'v7';
      else if (v === '5' || v === '6' || v === '8') v = `v${v}`;
      return { arch: 'arm', variant: v };
    default:
      return { arch: a, variant: v };
  }
}

/**
 * The canonical form of a platform: OS and architecture normalized, os.features sorted and de-duplicated. Every
 * other field (os.version, cpu features, unknown keys) is kept as given. Empty optional fields are dropped so two
 * equal platforms are also equal as objects.
 */
export function normalizePlatform(p: Platform): Platform {
  const { arch, variant } = normalizeArch(p.architecture, p.variant);
  const out: Platform = { ...p, os: normalizeOs(p.os), architecture: arch };
  if (variant === '') delete out.variant;
  else out.variant = variant;
  if (!out['os.version']) delete out['os.version'];
  const features = p['os.features'];
  if (features && features.length > 0) out['os.features'] = [...new Set(features)].sort(compareStrings);
  else delete out['os.features'];
  return out;
}

/** Byte-wise string order, as Go's sort.Strings (localeCompare would not be). */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
