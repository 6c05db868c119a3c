import { FerryError } from '../errors.js';
import type { Platform } from '../oci/descriptor.js';
import { hostPlatform } from './host.js';
import { compareStrings, isKnownArch, isKnownOs, normalizeArch, normalizeOs } from './normalize.js';

/**
 * The platform specifier syntax of containerd/platforms (`Parse`, `FormatAll`):
 *
 *   <os>[(<os.version>[+<os.feature>]…)] | <arch> | <os>[(…)]/<arch>[/<variant>]
 *
 * e.g. `linux/arm64`, `arm64`, `linux`, `windows(10.0.17763+win32k)/amd64`. Inside the parentheses `%XX` escapes
 * the characters the syntax uses (`%` `+` `(` `)` `/`). A single word is an OS if it is a known one (the
 * architecture is then the host's), else an architecture (the OS is then the host's). Parsing normalizes, like
 * containerd, but keeps an explicit arm64 `v8` (`linux/arm64/v8` → variant v8), which still matches plain arm64.
 */

/** What a one-word specifier borrows from the host. */
export interface ParseDefaults {
  os: string;
  architecture: string;
  variant?: string;
}

const OS_PART = /^([A-Za-z0-9_-]+)(?:\(([A-Za-z0-9_.%-]*)((?:\+[A-Za-z0-9_.%-]+)*)\))?$/;
const OTHER_PART = /^[A-Za-z0-9_.-]+$/;
const FORM_HINT =
  'write a platform as os/arch[/variant], e.g. linux/arm64, linux/amd64 or linux/arm/v7 (windows(10.0.20348)/amd64 adds an os.version)';

function invalid(spec: string, why: string): FerryError {
  return new FerryError('ERR_INVALID_PLATFORM', `invalid platform ${JSON.stringify(spec)}: ${why}`, { hint: FORM_HINT });
}

/** Go's url.PathUnescape: every `%` must start a two-digit hex escape. */
function decodeOsOption(spec: string, value: string): string {
  if (!value.includes('%')) return value;
  if (/%(?![0-9A-Fa-f]{2})/.test(value)) throw invalid(spec, `bad %-escape in ${JSON.stringify(value)}`);
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    if (value[i] === '%') {
      bytes.push(parseInt(value.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(value.charCodeAt(i)); // the pattern admits ASCII only
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/**
 * Escapes every byte the specifier grammar does not admit as it is, not only `+()/%`: a value decoded from `%00`
 * or `%C3%A9` must format to a specifier that parses back to it.
 */
function encodeOsOption(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9_.-]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Builds a platform with the OCI field order and without empty optional fields. */
function makePlatform(os: string, arch: string, variant: string, osVersion: string, osFeatures: string[]): Platform {
  const p: Platform = { architecture: arch, os };
  if (osVersion !== '') p['os.version'] = osVersion;
  if (osFeatures.length > 0) p['os.features'] = osFeatures;
  if (variant !== '') p.variant = variant;
  return p;
}

/**
 * Parses a specifier. `defaults` fills what a one-word specifier leaves out; it is the host platform (which honours
 * FERRY_PLATFORM) unless given. Throws FerryError ERR_INVALID_PLATFORM.
 */
export function parsePlatform(spec: string, defaults?: ParseDefaults): Platform {
  if (spec.includes('*')) throw invalid(spec, 'wildcards are not supported');
  // Split at most into 4 like containerd's SplitN: a fourth part is always an error, whatever it holds.
  const all = spec.split('/');
  const parts = all.length > 4 ? [...all.slice(0, 3), all.slice(3).join('/')] : all;
  const first = OS_PART.exec(parts[0] ?? '');
  if (!first) throw invalid(spec, `${JSON.stringify(parts[0])} is not an OS (letters, digits, _ and - with an optional (version+feature…))`);
  for (const part of parts.slice(1)) {
    if (!OTHER_PART.test(part)) {
      throw invalid(spec, part === '' ? 'empty component' : `${JSON.stringify(part)} may only hold letters, digits, _ . and -`);
    }
  }
  const os = normalizeOs(first[1] ?? '');
  const osVersion = decodeOsOption(spec, first[2] ?? '');
  const osFeatures = first[3] ? first[3].slice(1).split('+').map((f) => decodeOsOption(spec, f)) : [];

  switch (parts.length) {
    case 1: {
      const host = defaults ?? hostPlatform();
      if (isKnownOs(os)) {
        // containerd only carries the host's variant over for 32-bit arm, and leaves the common v7 implicit.
        const variant = host.architecture === 'arm' && host.variant !== 'v7' ? (host.variant ?? '') : '';
        return makePlatform(os, host.architecture, variant, osVersion, osFeatures);
      }
      const norm = normalizeArch(parts[0] ?? '', '');
      if (isKnownArch(norm.arch)) {
        const variant = norm.arch === 'arm' && norm.variant === 'v7' ? '' : norm.variant;
        return makePlatform(host.os, norm.arch, variant, osVersion, osFeatures);
      }
      throw invalid(spec, 'not a known operating system or architecture');
    }
    case 2: {
      const norm = normalizeArch(parts[1] ?? '', '');
      const variant = norm.arch === 'arm' && norm.variant === 'v7' ? '' : norm.variant;
      return makePlatform(os, norm.arch, variant, osVersion, osFeatures);
    }
    case 3: {
      const norm = normalizeArch(parts[1] ?? '', parts[2]);
      // An explicit arm64 baseline stays visible in the parsed value; matching normalizes it away again.
      const variant = norm.arch === 'arm64' && norm.variant === '' ? 'v8' : norm.variant;
      return makePlatform(os, norm.arch, variant, osVersion, osFeatures);
    }
    default:
      throw invalid(spec, 'too many components');
  }
}

/** Parses every specifier; the first bad one throws. */
export function parsePlatforms(specs: readonly string[], defaults?: ParseDefaults): Platform[] {
  return specs.map((s) => parsePlatform(s, defaults));
}

/**
 * The specifier of a platform, including os.version and sorted, de-duplicated os.features when present (containerd's FormatAll):
 * `linux/arm64`, `linux/arm/v7`, `windows(10.0.20348)/amd64`. A platform without OS formats as `unknown`.
 */
export function formatPlatform(p: Pick<Platform, 'os' | 'architecture' | 'variant' | 'os.version' | 'os.features'>): string {
  if (!p.os) return 'unknown';
  let options = encodeOsOption(p['os.version'] ?? '');
  const features = [...new Set(p['os.features'] ?? [])].filter((f) => f !== '').sort(compareStrings);
  for (const f of features) options += `+${encodeOsOption(f)}`;
  const osPart = options === '' ? p.os : `${p.os}(${options})`;
  return [osPart, p.architecture, p.variant ?? ''].filter((s) => s !== '').join('/');
}
