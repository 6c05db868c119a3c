import type { Descriptor, Platform } from '../oci/descriptor.js';
import { isIndex, isManifest, isSchema1 } from '../oci/mediatypes.js';
import { isAttestation } from './attestation.js';
import { hostPlatform } from './host.js';
import { defaultMatcher, exactMatcher, ordered, platformVector } from './match.js';
import { normalizePlatform } from './normalize.js';
import { formatPlatform, parsePlatform } from './parse.js';
import { rankDescriptors } from './select.js';
import { windowsVersionMatches } from './windows.js';

/**
 * Why ferry picks the manifest it picks (`ferry platforms explain`): for every entry of an index, its platform as
 * written and normalized, whether the request matches it, its rank among the candidates and a short reason; then the
 * winner, or the platforms that were available. The object is the JSON output; formatExplanation is the text one.
 */

export interface CandidateExplanation {
  /** Position in the index. */
  index: number;
  digest: string;
  mediaType: string;
  /** The platform exactly as the index gives it, or null. */
  platform: Platform | null;
  /** Its specifier as given (null without a platform). */
  given: string | null;
  /** Its specifier after normalization (null without a platform). */
  normalized: string | null;
  attestation: boolean;
  /** Whether the platform matched the request. */
  matches: boolean;
  /** 1 for the winner, 2 for the next choice…; null when never chosen. */
  rank: number | null;
  reason: string;
}

export interface Explanation {
  /** The requested platforms, normalized; the host's when none was requested. */
  requested: string[];
  /** True when nothing was requested and the host default applied. */
  hostDefault: boolean;
  host: string;
  strict: boolean;
  candidates: CandidateExplanation[];
  winner: { index: number; digest: string; platform: string | null } | null;
  /** Distinct platforms of the entries that are not attestations, in index order. */
  available: string[];
}

interface RequestGroup {
  source: Platform;
  platforms: Platform[];
}

/** `arm/v7` when both are the same OS, the full specifier otherwise. */
function relative(p: Platform, to: Platform): string {
  return p.os === to.os ? [p.architecture, p.variant ?? ''].filter((s) => s !== '').join('/') : formatPlatform(p);
}

/** The request whose compatibility list holds position `rank` of the combined list. */
function groupAt(groups: RequestGroup[], rank: number): RequestGroup | undefined {
  let start = 0;
  for (const g of groups) {
    if (rank < start + g.platforms.length) return g;
    start += g.platforms.length;
  }
  return undefined;
}

const ARCH_FAMILY: Readonly<Record<string, string>> = { amd64: 'x86', '386': 'x86', arm64: 'arm', arm: 'arm' };

function family(arch: string): string {
  return ARCH_FAMILY[arch] ?? arch;
}

/** arm64 variants some host's compatibility list can contain (containerd's platformVector). */
function isKnownArm64Variant(variant: string): boolean {
  return variant === '' || /^v8\.[1-9]$/.test(variant) || /^v9(\.[1-9])?$/.test(variant);
}

function reasonForMismatch(n: Platform, groups: RequestGroup[], strict: boolean): string {
  const sameOs = groups.filter((g) => g.source.os === n.os);
  if (sameOs.length === 0) return `different os (${n.os})`;
  const sameFamily = sameOs.filter((g) => family(g.source.architecture) === family(n.architecture));
  if (sameFamily.length === 0) return `different architecture (${n.architecture})`;
  if (n.architecture === 'arm64' && !isKnownArm64Variant(n.variant ?? '')) return `variant ${n.variant} unknown`;
  const source = sameFamily[0]?.source ?? n;
  if (n.os === 'windows' && !windowsVersionMatches(source['os.version'], n['os.version'])) {
    return `os.version ${n['os.version']} does not run on a ${source['os.version']} host`;
  }
  const offered = new Set(source['os.features'] ?? []);
  const missing = (n['os.features'] ?? []).filter((f) => !offered.has(f) && f !== 'win32k');
  if (missing.length > 0) return `needs os.features ${missing.join(', ')}`;
  if (strict && platformVector(source).some((p) => exactMatcher(p).match(n))) {
    return `strict: only ${relative(source, n)} itself, not the compatible ${relative(n, source)}`;
  }
  return `${relative(source, n)} host does not run ${relative(n, source)}`;
}

function mayBeImage(desc: Descriptor): boolean {
  return isManifest(desc.mediaType) || isIndex(desc.mediaType) || isSchema1(desc.mediaType);
}

/**
 * Explains which of `candidates` (the manifests of an index) the platform specifiers select. No specifiers means
 * the host default. `strict` compares exactly (after normalization) instead of accepting what the platform runs.
 */
export function explainPlatforms(specs: readonly string[], candidates: readonly Descriptor[], opts: { strict?: boolean } = {}): Explanation {
  const strict = opts.strict ?? false;
  const host = hostPlatform();
  const groups: RequestGroup[] =
    specs.length === 0
      ? [{ source: host, platforms: strict ? [host] : [...defaultMatcher().platforms] }]
      : specs.map((s) => {
          const source = normalizePlatform(parsePlatform(s));
          return { source, platforms: strict ? [source] : platformVector(source) };
        });
  const comparer = ordered(...groups.flatMap((g) => g.platforms));
  const ranked = rankDescriptors(candidates, comparer);

  const explained = candidates.map((desc, index): CandidateExplanation => {
    const platform = desc.platform ?? null;
    const normalized = platform ? normalizePlatform(platform) : null;
    const attestation = isAttestation(desc);
    const position = ranked.indexOf(desc);
    const matches = !attestation && platform !== null && comparer.match(platform);
    let reason: string;
    if (attestation) reason = 'attestation manifest (never an image)';
    else if (!platform || !normalized) reason = mayBeImage(desc) ? 'no platform (tried last: its config decides)' : 'no platform (not an image manifest)';
    else if (matches) {
      const group = groupAt(groups, comparer.rank(platform));
      const exact = group !== undefined && exactMatcher(group.source).match(platform);
      reason = exact || !group ? 'exact match' : `compatible: ${relative(group.source, normalized)} host runs ${relative(normalized, group.source)}`;
    } else reason = reasonForMismatch(normalized, groups, strict);
    return {
      index,
      digest: desc.digest,
      mediaType: desc.mediaType,
      platform,
      given: platform ? formatPlatform(platform) : null,
      normalized: normalized ? formatPlatform(normalized) : null,
      attestation,
      matches,
      rank: position >= 0 ? position + 1 : null,
      reason,
    };
  });

  const first = ranked[0];
  const winnerIndex = first === undefined ? -1 : candidates.indexOf(first);
  const available = [...new Set(explained.filter((c) => !c.attestation && c.given !== null).map((c) => c.given as string))];
  return {
    requested: groups.map((g) => formatPlatform(g.source)),
    hostDefault: specs.length === 0,
    host: formatPlatform(host),
    strict,
    candidates: explained,
    winner: first === undefined ? null : { index: winnerIndex, digest: first.digest, platform: first.platform ? formatPlatform(first.platform) : null },
    available,
  };
}

function shortDigest(digest: string): string {
  const colon = digest.indexOf(':');
  return digest.slice(0, colon + 1 + 12);
}

/** Human text, as separate lines (the CLI escapes each one): a header, one aligned line per index entry, then the verdict. */
export function formatExplanation(e: Explanation): string[] {
  const lines: string[] = [];
  const mode = e.strict ? 'strict' : 'with compatible platforms';
  lines.push(`requested: ${e.requested.join(', ')}${e.hostDefault ? ' (host default)' : ''}, ${mode}`);
  lines.push(`host: ${e.host}`);
  const rows = [
    ['#', 'PLATFORM', 'NORMALIZED', 'MATCH', 'RANK', 'DIGEST', 'REASON'],
    ...e.candidates.map((c) => [
      String(c.index),
      c.given ?? '-',
      c.normalized ?? '-',
      c.matches ? 'yes' : 'no',
      c.rank === null ? '-' : String(c.rank),
      shortDigest(c.digest),
      c.reason,
    ]),
  ];
  const widths = rows[0]?.map((_, col) => Math.max(...rows.map((r) => (r[col] ?? '').length))) ?? [];
  for (const row of rows) lines.push(row.map((cell, col) => (col === row.length - 1 ? cell : cell.padEnd(widths[col] ?? 0))).join('  '));
  if (e.winner) {
    lines.push(`winner: #${e.winner.index} ${e.winner.platform ?? '(no platform)'} ${e.winner.digest}`);
  } else {
    lines.push(`no match for ${e.requested.join(', ')}; available: ${e.available.length > 0 ? e.available.join(', ') : 'none'}`);
  }
  return lines;
}
