import type { Platform } from '../oci/descriptor.js';
import { hostPlatform } from './host.js';
import { normalizePlatform } from './normalize.js';
import { compareOsVersions, windowsVersionMatches } from './windows.js';

/**
 * Platform matching with containerd/platforms semantics (`compare.go`, `platforms.go`): a Matcher says yes or no;
 * a MatchComparer also orders candidates, best first, so the best manifest of an index is the first after a stable
 * sort.
 */

export interface Matcher {
  match(p: Platform): boolean;
}

export interface MatchComparer extends Matcher {
  /** Whether `a` is preferred over `b`. Candidates that do not match are never preferred over ones that do. */
  less(a: Platform, b: Platform): boolean;
}

/** A comparer built from an ordered list of platforms: it can also tell where in that list a candidate matched. */
export interface RankedMatchComparer extends MatchComparer {
  /** The platforms tried, best first (normalized). */
  readonly platforms: readonly Platform[];
  /** Index in `platforms` of the first one that matches `p`, or -1. */
  rank(p: Platform): number;
}

/**
 * Features a Windows candidate may require that any Windows host is taken to offer. containerd's Windows host
 * advertises win32k when user32.dll loads, which ferry cannot probe; every Windows host that runs containers has
 * it. On any other OS win32k means nothing the host offers, so it is not assumed there.
 */
const ASSUMED_WINDOWS_OS_FEATURES: ReadonlySet<string> = new Set(['win32k']);

/** Whether every os.feature `candidate` requires is offered by `wanted` (or assumed for its OS). */
function offersFeatures(wanted: Platform, candidate: Platform): boolean {
  const offered = new Set(wanted['os.features'] ?? []);
  const assumed = wanted.os === 'windows' ? ASSUMED_WINDOWS_OS_FEATURES : new Set<string>();
  return (candidate['os.features'] ?? []).every((f) => offered.has(f) || assumed.has(f));
}

/**
 * containerd's NewMatcher: equal OS, architecture and variant after normalization; for a Windows platform with an
 * os.version, a compatible os.version; and the candidate's os.features a subset of the wanted ones.
 */
export function exactMatcher(wanted: Platform): Matcher & { readonly platform: Platform } {
  const platform = normalizePlatform(wanted);
  return {
    platform,
    match(p: Platform): boolean {
      const n = normalizePlatform(p);
      if (n.architecture !== platform.architecture || (n.variant ?? '') !== (platform.variant ?? '')) return false;
      return sameOs(platform, p);
    },
  };
}

/** Equal OS after normalization, a compatible Windows os.version, and the candidate's os.features offered. */
function sameOs(platform: Platform, p: Platform): boolean {
  const n = normalizePlatform(p);
  if (n.os !== platform.os) return false;
  if (platform.os === 'windows' && !windowsVersionMatches(platform['os.version'], p['os.version'])) return false;
  return offersFeatures(platform, n);
}

function withVariant(base: Platform, architecture: string, variant: string): Platform {
  const p: Platform = { ...base, architecture };
  delete p.variant;
  if (variant !== '') p.variant = variant;
  return p;
}

/**
 * What a host of platform `p` (normalized) runs, best first — containerd's platformVector:
 * amd64/vN → vN…v2, amd64, 386; arm/vN → vN…v5; arm64 → arm64, arm/v8…v5;
 * arm64/v8.x → v8.x…v8.1, arm64, arm/v8…v5; arm64/v9.x → v9.x…v9, v8.min(x+5,9)…v8.1, arm64, arm/v8…v5.
 * Everything else runs only itself. Variants outside these shapes (arm64/v8.10, amd64/vX) get only themselves
 * plus, for arm64, the 32-bit arm fallbacks that every arm64 host has.
 */
export function platformVector(p: Platform): Platform[] {
  const vector: Platform[] = [p];
  const variant = p.variant ?? '';
  switch (p.architecture) {
    case 'amd64': {
      const level = /^v?(\d+)$/.exec(variant);
      if (level) for (let v = Number(level[1]) - 1; v >= 1; v--) vector.push(withVariant(p, 'amd64', v === 1 ? '' : `v${v}`));
      vector.push(withVariant(p, '386', ''));
      break;
    }
    case 'arm': {
      const level = /^v?(\d+)$/.exec(variant);
      if (level) for (let v = Number(level[1]) - 1; v >= 5; v--) vector.push(withVariant(p, 'arm', `v${v}`));
      break;
    }
    case 'arm64': {
      const v = variant === '' ? 'v8' : variant;
      const dot = v.indexOf('.');
      const majorText = (dot < 0 ? v : v.slice(0, dot)).replace(/^v/, '');
      let major = /^\d+$/.test(majorText) ? Number(majorText) : NaN;
      if (major >= 8) {
        // Like containerd, only a one-digit minor ("v8.2", four characters) is understood; v8.10 has none.
        let minor = 0;
        if (v.length === 4 && dot >= 0 && /^\d$/.test(v.slice(dot + 1))) minor = Number(v.slice(dot + 1));
        if (major === 9) {
          for (let m = minor - 1; m >= 0; m--) vector.push(withVariant(p, 'arm64', m === 0 ? 'v9' : `v9.${m}`));
          // Armv9.x includes Armv8.(x+5); Armv8 stops at 8.9.
          minor = Math.min(minor + 5, 9);
          major = 8;
          vector.push(withVariant(p, 'arm64', `v8.${minor}`));
        }
        for (let m = minor - 1; m >= 0; m--) vector.push(withVariant(p, 'arm64', m === 0 ? '' : `v${major}.${m}`));
      }
      // Every arm64 CPU of the v8/v9 line runs 32-bit arm up to v8: there is no 32-bit Armv9.
      const armVariant = v.startsWith('v8') || v.startsWith('v9') ? 'v8' : v;
      vector.push(...platformVector(withVariant(p, 'arm', armVariant)));
      break;
    }
  }
  return vector;
}

/**
 * Preference among candidates that matched the same entry: more os.features first (containerd), then, for Windows,
 * the higher os.version (the newest patch of the image).
 */
function preferWithinEntry(a: Platform, b: Platform): boolean | undefined {
  const fa = a['os.features']?.length ?? 0;
  const fb = b['os.features']?.length ?? 0;
  if (fa !== fb) return fa > fb;
  if (a.os === 'windows' && b.os === 'windows') {
    const c = compareOsVersions(a['os.version'], b['os.version']);
    if (c !== 0) return c > 0;
  }
  return undefined;
}

function withoutOsFeatures(p: Platform): Platform {
  const q = { ...p };
  delete q['os.features'];
  return q;
}

/** Matches any of `platforms`, preferring earlier ones (containerd's Ordered). */
export function ordered(...platforms: Platform[]): RankedMatchComparer {
  const matchers = platforms.map(exactMatcher);
  const rank = (p: Platform): number => matchers.findIndex((m) => m.match(p));
  const less = (a: Platform, b: Platform): boolean => {
    for (const m of matchers) {
      const am = m.match(a);
      const bm = m.match(b);
      if (am && !bm) return true;
      if (am || bm) return am && bm ? (preferWithinEntry(a, b) ?? false) : false;
    }
    // Neither matches as is: compare again ignoring os.features, so a candidate that only lacks a feature still
    // sorts by its platform.
    if (a['os.features']?.length || b['os.features']?.length) return less(withoutOsFeatures(a), withoutOsFeatures(b));
    return false;
  };
  return {
    platforms: matchers.map((m) => m.platform),
    rank,
    match: (p) => rank(p) >= 0,
    less,
  };
}

/** Matches any of `platforms` without preferring one over another (containerd's Any). */
export function any(...platforms: Platform[]): MatchComparer {
  const matchers = platforms.map(exactMatcher);
  const match = (p: Platform): boolean => matchers.some((m) => m.match(p));
  const less = (a: Platform, b: Platform): boolean => {
    const am = match(a);
    const bm = match(b);
    if (am && bm) {
      const fa = a['os.features']?.length ?? 0;
      const fb = b['os.features']?.length ?? 0;
      return fa > fb;
    }
    if (!am && !bm && (a['os.features']?.length || b['os.features']?.length)) return less(withoutOsFeatures(a), withoutOsFeatures(b));
    return am && !bm;
  };
  return { match, less };
}

/** Matches every platform and prefers none (containerd's All). */
export const all: MatchComparer = {
  match: () => true,
  less: () => false,
};

/** The platform and everything a host of that platform runs, best first (containerd's Only). */
export function only(p: Platform): RankedMatchComparer {
  return ordered(...platformVector(normalizePlatform(p)));
}

/**
 * Any architecture of the platform's OS (same os.version rules and os.features as a match), the platform itself
 * preferred (containerd's OnlyOS): for choices where the CPU does not matter, such as which OS an archive is for.
 */
export function onlyOs(p: Platform): MatchComparer {
  const platform = normalizePlatform(p);
  const exact = ordered(platform);
  const match = (candidate: Platform): boolean => sameOs(platform, candidate);
  return {
    match,
    less: (a, b) => {
      const am = match(a);
      if (am !== match(b)) return am;
      return am && exact.less(a, b);
    },
  };
}

/** The platform alone, compared after normalization: amd64 does not take 386, arm/v7 not arm/v6 (OnlyStrict). */
export function onlyStrict(p: Platform): RankedMatchComparer {
  return ordered(normalizePlatform(p));
}

/**
 * The matcher for platforms a user asked for: each one with what it runs (or alone when strict), earlier requests
 * first. No request means the host's default.
 */
export function requestedMatcher(platforms: readonly Platform[], opts: { strict?: boolean } = {}): RankedMatchComparer {
  if (platforms.length === 0) return defaultMatcher(hostPlatform(), opts);
  const wanted = platforms.map(normalizePlatform);
  return ordered(...(opts.strict ? wanted : wanted.flatMap(platformVector)));
}

/**
 * What a host runs by default (containerd's Default / DefaultStrict), the one answer import, unpack and
 * `platforms explain host` use: Only(host) on Linux and most systems; on macOS and FreeBSD the host platform, then
 * Linux on the same CPU (macOS runs Linux containers in a VM, FreeBSD through its Linux emulation); on Windows the
 * host platform alone, Windows builds compared by os.version. `strict` drops the compatible sub-platforms
 * (amd64 without 386), as `ctr images import` does when unpacking.
 */
export function defaultMatcher(host: Platform = hostPlatform(), opts: { strict?: boolean } = {}): RankedMatchComparer {
  const n = normalizePlatform(host);
  if (n.os === 'darwin' || n.os === 'freebsd') return ordered(n, { architecture: n.architecture, os: 'linux' });
  if (n.os === 'windows' || opts.strict) return ordered(n);
  return only(n);
}
