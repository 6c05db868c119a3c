/**
 * Docker-style image references (`[registry[:port]/]repository[:tag][@digest]`), parsed and normalized the way
 * distribution/reference's ParseNormalizedNamed does, so a name means in ferry what it means to docker and
 * containerd: `busybox` is `docker.io/library/busybox:latest`.
 */
import { FerryError } from '../errors.js';
import { parseDigest } from './digest.js';

/** A normalized reference: domain and path are always set; tag is `latest` when the input had neither. */
export interface Reference {
  /** Registry host with optional port: `docker.io`, `localhost:5000`, `[::1]:5000`. */
  domain: string;
  /** Repository path inside the registry: `library/busybox`. */
  path: string;
  tag?: string;
  digest?: string;
}

const DEFAULT_DOMAIN = 'docker.io';
/** The "Docker Index" name; canonicalized to docker.io. */
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
const OFFICIAL_REPO_PREFIX = 'library/';
const DEFAULT_TAG = 'latest';

/** Longest repository path distribution accepts. */
export const MAX_PATH_LENGTH = 255;
/**
 * Longest input ferry tries to parse: a DNS name (253) with port, a 255-character path, a 128-character tag and
 * a sha512 digest fit well within it. It also bounds the regular expressions' backtracking on hostile input.
 */
export const MAX_REFERENCE_LENGTH = 1024;

// The grammar of distribution/reference (regexp.go), built from the same pieces.
const alphanumeric = '[a-z0-9]+';
const separator = '(?:[._]|__|[-]+)';
const pathComponent = `${alphanumeric}(?:${separator}${alphanumeric})*`;
const remoteName = `${pathComponent}(?:/${pathComponent})*`;
const domainNameComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const domainName = `${domainNameComponent}(?:\\.${domainNameComponent})*`;
// Compressed or full IPv6 in brackets; zone identifiers and IPv4-mapped forms are deliberately excluded.
const ipv6Address = '\\[(?:[a-fA-F0-9:]+)\\]';
const domainAndPort = `(?:${domainName}|${ipv6Address})(?::[0-9]+)?`;
const tagPattern = '[\\w][\\w.-]{0,127}';
const digestPattern = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';

const REFERENCE = new RegExp(`^((?:${domainAndPort}/)?${remoteName})(?::(${tagPattern}))?(?:@(${digestPattern}))?$`);
const REMOTE_NAME = new RegExp(`^${remoteName}$`);
const HOST = new RegExp(`^${domainAndPort}$`);
const TAG = new RegExp(`^${tagPattern}$`);
/** A bare image ID: docker refuses it as a name because it cannot be told apart from an ID. */
const IDENTIFIER = /^[a-f0-9]{64}$/;

const HINT = 'an image reference looks like [registry[:port]/]repository[:tag][@digest], e.g. docker.io/library/alpine:3.19';

function invalid(input: string, reason: string, hint = HINT): FerryError {
  return new FerryError('ERR_INVALID_REFERENCE', `invalid image reference ${JSON.stringify(input.slice(0, 200))}: ${reason}`, { hint });
}

/**
 * Parses and normalizes a reference, as docker's ParseNormalizedNamed followed by TagNameOnly: a name with
 * neither tag nor digest gets `latest`; a name with both keeps both. Digests must be sha256 or sha512 (the
 * algorithms ferry can verify). As in docker, `sha256:<hex>` alone is repository `sha256` with tag `<hex>`:
 * callers that also accept a bare digest must check for one (parseDigest) before calling this.
 */
export function parseReference(input: string): Reference {
  if (input === '') throw invalid(input, 'it is empty');
  if (input.length > MAX_REFERENCE_LENGTH) throw invalid(input, `it is longer than ${MAX_REFERENCE_LENGTH} characters`);
  if (IDENTIFIER.test(input)) {
    throw invalid(input, 'a 64-character hexadecimal string cannot be a repository name', 'write a digest as sha256:<hex> after a name (name@sha256:<hex>)');
  }
  const { domain, remainder } = splitDockerDomain(input);
  // `foo_bar.com/x` or `https://host/x` look like they name a registry (a dot or colon) but the host is not
  // valid; docker would keep such a name without any registry, ferry refuses it.
  if (!HOST.test(domain)) throw invalid(input, `${JSON.stringify(domain)} is not a valid registry host`);
  const tagSeparator = remainder.indexOf(':');
  const remote = tagSeparator === -1 ? remainder : remainder.slice(0, tagSeparator);
  if (remote.toLowerCase() !== remote) throw invalid(input, `repository name ${JSON.stringify(remote)} must be lowercase`);

  const full = `${domain}/${remainder}`;
  const match = REFERENCE.exec(full);
  if (!match) throw invalid(input, describeFormatError(remainder));
  const [, name = '', tag, digest] = match;
  const path = name.slice(domain.length + 1);
  if (path.length > MAX_PATH_LENGTH) throw invalid(input, `repository name must not be more than ${MAX_PATH_LENGTH} characters`);

  const ref: Reference = { domain, path };
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = checkDigest(input, digest);
  if (tag === undefined && digest === undefined) ref.tag = DEFAULT_TAG;
  return ref;
}

/**
 * Splits the registry off a familiar name like docker does: the first component is a registry when it is
 * `localhost`, contains `.` or `:`, or has upper-case letters (repository names cannot); otherwise the name is
 * on Docker Hub, where single-component names live under `library/`.
 */
function splitDockerDomain(name: string): { domain: string; remainder: string } {
  const slash = name.indexOf('/');
  if (slash === -1) return { domain: DEFAULT_DOMAIN, remainder: OFFICIAL_REPO_PREFIX + name };
  const first = name.slice(0, slash);
  const rest = name.slice(slash + 1);
  let domain: string;
  let remainder: string;
  if (first === 'localhost' || /[.:]/.test(first) || first.toLowerCase() !== first) {
    [domain, remainder] = [first === LEGACY_DEFAULT_DOMAIN ? DEFAULT_DOMAIN : first, rest];
  } else {
    [domain, remainder] = [DEFAULT_DOMAIN, name];
  }
  if (domain === DEFAULT_DOMAIN && !remainder.includes('/')) remainder = OFFICIAL_REPO_PREFIX + remainder;
  return { domain, remainder };
}

/** Names the part that broke the grammar, so the message says more than "invalid format". */
function describeFormatError(remainder: string): string {
  const at = remainder.indexOf('@');
  const beforeDigest = at === -1 ? remainder : remainder.slice(0, at);
  const colon = beforeDigest.indexOf(':', beforeDigest.lastIndexOf('/') + 1);
  const name = colon === -1 ? beforeDigest : beforeDigest.slice(0, colon);
  if (!REMOTE_NAME.test(name)) {
    return 'repository name components are lower-case letters and digits separated by ".", "_", "__" or "-", joined by "/"';
  }
  const tag = beforeDigest.slice(colon + 1);
  if (colon !== -1 && !TAG.test(tag)) {
    return `tag ${JSON.stringify(tag)} is invalid (letters, digits, _ . -, at most 128, not starting with . or -)`;
  }
  // Name and tag are fine, so what follows `@` is the problem.
  return `${JSON.stringify(remainder.slice(at + 1))} is not a digest (algorithm:hex)`;
}

function checkDigest(input: string, digest: string): string {
  try {
    parseDigest(digest);
    return digest;
  } catch {
    throw invalid(input, `digest ${JSON.stringify(digest)} is not a sha256 or sha512 digest with lower-case hex of the right length`);
  }
}

/** A name as users write it, in the full form ferry stores: `busybox` → `docker.io/library/busybox:latest`. */
export function normalizeName(name: string): string {
  return formatReference(parseReference(name));
}

/** The full, normalized form: `docker.io/library/busybox:latest`, `ghcr.io/a/b:1@sha256:…`. */
export function formatReference(ref: Reference): string {
  return `${repositoryName(ref)}${ref.tag === undefined ? '' : `:${ref.tag}`}${ref.digest === undefined ? '' : `@${ref.digest}`}`;
}

/** `domain/path`, without tag or digest. */
export function repositoryName(ref: Reference): string {
  return `${ref.domain}/${ref.path}`;
}

/**
 * The short form docker shows and writes in docker-save RepoTags: `docker.io/` is dropped, and so is
 * `library/` when nothing nested follows it (`busybox:latest`, `user/x:1`, `ghcr.io/a/b:1`).
 */
export function familiarName(ref: Reference | string): string {
  const r = typeof ref === 'string' ? parseReference(ref) : ref;
  let name = repositoryName(r);
  if (r.domain === DEFAULT_DOMAIN) {
    name = r.path;
    const official = r.path.startsWith(OFFICIAL_REPO_PREFIX) ? r.path.slice(OFFICIAL_REPO_PREFIX.length) : undefined;
    if (official !== undefined && !official.includes('/')) name = official;
  }
  return `${name}${r.tag === undefined ? '' : `:${r.tag}`}${r.digest === undefined ? '' : `@${r.digest}`}`;
}

/**
 * Whether an `org.opencontainers.image.ref.name` value is only a tag (`3.19`, `latest`): a valid tag, which
 * means it has no `/`, `:` or `@`. Like containerd's import, a value such as `busybox` counts as a tag, since a
 * tag and a one-component repository name cannot be told apart.
 */
export function isTagOnly(value: string): boolean {
  return TAG.test(value);
}

/** The reference with its tag replaced; a digest is kept. */
export function withTag(ref: Reference, tag: string): Reference {
  if (!TAG.test(tag)) {
    throw new FerryError('ERR_INVALID_REFERENCE', `invalid tag ${JSON.stringify(tag.slice(0, 200))} for ${repositoryName(ref)}`, {
      hint: 'a tag is up to 128 letters, digits, "_", "." or "-", not starting with "." or "-"',
    });
  }
  return { ...ref, tag };
}

/** The reference with its digest replaced; a tag is kept, as docker keeps `name:tag@digest`. */
export function withDigest(ref: Reference, digest: string): Reference {
  try {
    parseDigest(digest);
  } catch {
    throw new FerryError('ERR_INVALID_REFERENCE', `invalid digest ${JSON.stringify(digest.slice(0, 200))} for ${repositoryName(ref)}`, {
      hint: 'a digest is sha256:<64 hex> or sha512:<128 hex>',
    });
  }
  return { ...ref, digest };
}
