import { FerryError } from '../errors.js';
import type { Credentials } from './credentials.js';
import { checkPlainHttp } from './http.js';

/** One `WWW-Authenticate` challenge: its scheme (`bearer`, `basic`) and parameters (realm, service, scope). */
export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/**
 * Parses a `WWW-Authenticate` header (RFC 7235): `Bearer realm="https://auth",service="reg",scope="a b"`.
 * Only the first challenge is kept; registries send one.
 */
export function parseChallenge(header: string): Challenge | undefined {
  const match = /^\s*([A-Za-z][A-Za-z0-9_-]*)\s*(.*)$/s.exec(header);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  const pair = /([A-Za-z][A-Za-z0-9_.-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?\s*/gy;
  const rest = match[2] ?? '';
  pair.lastIndex = 0;
  let m: RegExpExecArray | null;
  while (pair.lastIndex < rest.length && (m = pair.exec(rest))) {
    params[m[1]!.toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? '');
  }
  return { scheme: match[1]!.toLowerCase(), params };
}

export function basicAuthorization(creds: Credentials): string {
  return `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
}

/** What the token endpoint of the distribution token spec answers (`token`, or OAuth2's `access_token`). */
interface TokenResponse {
  token?: string;
  access_token?: string;
}

/**
 * Answers a registry's 401 challenge with an Authorization header: Basic with the credentials, or the bearer
 * token flow (GET realm?service=…&scope=…, with Basic credentials when there are any, anonymously otherwise).
 * Headers are cached per scope set, so one token serves every request of a repository.
 */
export class Authenticator {
  private readonly cache = new Map<string, string>();

  constructor(
    private readonly domain: string,
    private readonly credentials: Credentials | undefined,
    private readonly fetchImpl: typeof fetch = fetch,
    /** --insecure: a token realm may be plain HTTP on any host, not only on loopback. */
    private readonly insecure = false,
  ) {}

  cached(scopes: string[]): string | undefined {
    return this.cache.get(scopes.join(' '));
  }

  forget(scopes: string[]): void {
    this.cache.delete(scopes.join(' '));
  }

  async authorize(challengeHeader: string | null, scopes: string[]): Promise<string> {
    const challenge = challengeHeader ? parseChallenge(challengeHeader) : undefined;
    let header: string;
    if (challenge?.scheme === 'bearer' && challenge.params.realm) header = await this.bearer(challenge, scopes);
    else if (challenge?.scheme === 'basic' && this.credentials) header = basicAuthorization(this.credentials);
    else throw this.unauthorized(challenge ? `it asks for ${challenge.scheme} authentication` : 'it sent no WWW-Authenticate challenge');
    this.cache.set(scopes.join(' '), header);
    return header;
  }

  private async bearer(challenge: Challenge, scopes: string[]): Promise<string> {
    let url: URL;
    try {
      url = new URL(challenge.params.realm!);
    } catch {
      throw this.unauthorized(`its token realm ${JSON.stringify(challenge.params.realm)} is not a URL`);
    }
    // The realm gets the Basic credentials: never in clear text to a remote host the user did not mark insecure.
    checkPlainHttp(url, this.insecure, this.domain);
    if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
    for (const scope of scopes) url.searchParams.append('scope', scope);
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (this.credentials) headers.Authorization = basicAuthorization(this.credentials);
    let res: Response;
    try {
      res = await this.fetchImpl(url, { headers });
    } catch (err) {
      throw new FerryError('ERR_REGISTRY', `cannot reach the token service ${url.origin} of ${this.domain}: ${(err as Error).message}`, {
        hint: 'check the network and the registry address',
        cause: err,
      });
    }
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel();
      throw this.unauthorized(`its token service refused ${this.credentials ? `the credentials of ${this.credentials.username}` : 'anonymous access'} (HTTP ${res.status})`);
    }
    const text = await res.text();
    let body: TokenResponse;
    try {
      body = JSON.parse(text) as TokenResponse;
    } catch {
      body = {};
    }
    const token = body.token ?? body.access_token;
    if (!res.ok || typeof token !== 'string' || token === '') {
      throw new FerryError('ERR_REGISTRY', `the token service ${url.origin} of ${this.domain} answered HTTP ${res.status} without a token`, {
        hint: 'the registry\'s authentication is misconfigured or down; try again later',
      });
    }
    return `Bearer ${token}`;
  }

  unauthorized(reason: string): FerryError {
    return new FerryError('ERR_UNAUTHORIZED', `${this.domain} refused access: ${reason}`, {
      hint: this.credentials ? 'check the user name and password (--creds-file, or ~/.docker/config.json and its credential helpers)' : 'log in (docker login: ~/.docker/config.json auths, or credential helpers on PATH) or pass --creds-file FILE holding USER:PASSWORD',
    });
  }
}
