import { setTimeout as sleep } from 'node:timers/promises';
import { FerryError } from '../errors.js';
import { Authenticator } from './auth.js';
import type { Credentials } from './credentials.js';

export interface RegistryOptions {
  /** Use plain HTTP for this registry (localhost and 127.0.0.1 always use it). */
  insecure?: boolean;
  credentials?: Credentials;
  /** Attempts after the first on 429, 5xx and dropped connections (default 4). */
  retries?: number;
  /** First backoff delay in ms, doubled on each attempt (default 500); Retry-After wins when the server sends it. */
  backoffMs?: number;
  /** Longest wait between attempts in ms (default 30 s), also the cap on Retry-After. */
  maxDelayMs?: number;
  fetch?: typeof fetch;
}

export interface RegistryRequest {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
  /** A path under the registry (`/v2/…`) or an absolute URL (an upload Location). */
  url: string;
  headers?: Record<string, string>;
  /** Only in-memory bodies: a request is re-sent on retry, which a consumed stream cannot be. */
  body?: Buffer;
  /** Token scopes, e.g. `repository:library/alpine:pull`. */
  scopes: string[];
  /** Statuses the caller handles; anything else fails with a FerryError. */
  ok: number[];
  /** Says what the request is for in messages: `manifest alpine:3.19`, `blob sha256:…`. */
  what: string;
}

const RETRY_STATUSES = new Set([408, 429, 500, 502, 503, 504]);

/**
 * Refuses a plain-HTTP URL to a host that is not loopback unless --insecure was given: the registry (an upload
 * Location) or its token realm must not move credentials, tokens or blobs off TLS behind the user's back.
 */
export function checkPlainHttp(url: string | URL, insecure: boolean, domain: string): void {
  const parsed = typeof url === 'string' ? new URL(url) : url;
  if (insecure || parsed.protocol !== 'http:' || isLoopbackHost(parsed.host)) return;
  throw new FerryError('ERR_REGISTRY', `${domain} sent ferry to ${parsed.origin}, which is plain HTTP`, {
    hint: 'ferry talks plain HTTP only to localhost unless --insecure is given; pass it if you trust the network',
  });
}

/** Hosts served over plain HTTP without being asked, as docker does for them. */
export function isLoopbackHost(domain: string): boolean {
  const host = domain.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/**
 * HTTP to one registry: base URL, authentication on 401 (once per request, with a fresh token when a cached one
 * expired), and retries with exponential backoff on 429/5xx and dropped connections, honouring Retry-After.
 */
export class RegistryHttp {
  readonly baseUrl: string;
  readonly auth: Authenticator;
  private readonly fetchImpl: typeof fetch;
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly maxDelayMs: number;
  /** Whether plain HTTP to a non-loopback host is allowed (--insecure). */
  private readonly insecure: boolean;

  constructor(
    readonly domain: string,
    opts: RegistryOptions = {},
  ) {
    const host = domain === 'docker.io' ? 'registry-1.docker.io' : domain;
    this.insecure = opts.insecure ?? false;
    this.baseUrl = `${this.insecure || isLoopbackHost(domain) ? 'http' : 'https'}://${host}`;
    this.fetchImpl = opts.fetch ?? fetch;
    this.auth = new Authenticator(domain, opts.credentials, this.fetchImpl, this.insecure);
    this.retries = opts.retries ?? 4;
    this.backoffMs = opts.backoffMs ?? 500;
    this.maxDelayMs = opts.maxDelayMs ?? 30_000;
  }

  url(pathOrUrl: string): string {
    return /^https?:\/\//.test(pathOrUrl) ? pathOrUrl : `${this.baseUrl}${pathOrUrl}`;
  }

  async request(req: RegistryRequest): Promise<Response> {
    // An absolute URL (an upload Location) comes from the registry: it must not downgrade us to plain HTTP.
    checkPlainHttp(this.url(req.url), this.insecure, this.domain);
    let authorization = this.auth.cached(req.scopes);
    let authenticated = false;
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        res = await this.fetchImpl(this.url(req.url), {
          method: req.method,
          headers: { ...req.headers, ...(authorization ? { Authorization: authorization } : {}) },
          ...(req.body ? { body: req.body } : {}),
          redirect: 'follow',
        });
      } catch (err) {
        if (attempt < this.retries && !isNoSuchService(err)) {
          await sleep(this.backoff(attempt));
          continue;
        }
        throw this.unreachable(req, err);
      }
      if (res.status === 401 && !authenticated) {
        await discard(res);
        authenticated = true;
        this.auth.forget(req.scopes);
        authorization = await this.auth.authorize(res.headers.get('www-authenticate'), req.scopes);
        attempt--;
        continue;
      }
      if (RETRY_STATUSES.has(res.status) && !req.ok.includes(res.status) && attempt < this.retries) {
        const delay = this.retryAfter(res) ?? this.backoff(attempt);
        await discard(res);
        await sleep(delay);
        continue;
      }
      if (req.ok.includes(res.status)) return res;
      throw await this.failure(req, res);
    }
  }

  /** Exponential backoff with jitter, so parallel requests that failed together do not retry together. */
  backoff(attempt: number): number {
    const base = Math.min(this.maxDelayMs, this.backoffMs * 2 ** attempt);
    return Math.round(base / 2 + (Math.random() * base) / 2);
  }

  private retryAfter(res: Response): number | undefined {
    const value = res.headers.get('retry-after');
    if (!value) return undefined;
    const seconds = Number(value);
    const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - Date.now();
    return Number.isFinite(ms) ? Math.max(0, Math.min(this.maxDelayMs, ms)) : undefined;
  }

  unreachable(req: Pick<RegistryRequest, 'what'>, err: unknown): FerryError {
    const detail = connectionErrorCode(err) ?? (err as { cause?: { message?: string } }).cause?.message ?? (err as Error).message;
    return new FerryError('ERR_REGISTRY', `cannot reach ${this.domain} for ${req.what}: ${detail}`, {
      hint: `check the registry address and the network${this.baseUrl.startsWith('https') ? '; a registry without TLS needs --insecure' : ''}`,
      cause: err,
    });
  }

  private async failure(req: RegistryRequest, res: Response): Promise<FerryError> {
    const detail = await errorDetail(res);
    const message = `${this.domain} answered HTTP ${res.status} to ${req.method} ${req.what}${detail ? `: ${detail}` : ''}`;
    if (res.status === 401 || res.status === 403) {
      return new FerryError('ERR_UNAUTHORIZED', message, { hint: 'check the credentials (--creds-file, or ~/.docker/config.json and its credential helpers) and that they may access this repository' });
    }
    if (res.status === 404) return new FerryError('ERR_NOT_FOUND', message, { hint: 'check the repository, tag or digest' });
    if (RETRY_STATUSES.has(res.status)) {
      return new FerryError('ERR_REGISTRY', message, { hint: `the registry kept failing after ${this.retries} retries; try again later` });
    }
    return new FerryError('ERR_REGISTRY', message, { hint: 'the registry refused the request; its message above says why' });
  }
}

/**
 * Connection failures that waiting will not mend: nothing listens at the address, or the name does not resolve.
 * They fail at once, so a mistyped registry is reported in a moment rather than after every backoff.
 */
const NO_SUCH_SERVICE = new Set(['ECONNREFUSED', 'ENOTFOUND']);

function isNoSuchService(err: unknown): boolean {
  const code = connectionErrorCode(err);
  return code !== undefined && NO_SUCH_SERVICE.has(code);
}

/** fetch wraps the socket's error (`ECONNREFUSED`, `ECONNRESET`…) as its cause. */
function connectionErrorCode(err: unknown): string | undefined {
  const code = (err as { cause?: { code?: unknown } }).cause?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The first error of a distribution error body (`{"errors":[{"code","message"}]}`), one line, bounded. */
export async function errorDetail(res: Response): Promise<string> {
  if (!res.body) return '';
  const text = (await res.text().catch(() => '')).slice(0, 4096);
  try {
    const first = (JSON.parse(text) as { errors?: { code?: string; message?: string }[] }).errors?.[0];
    if (first) return printable([first.code, first.message].filter(Boolean).join(' '));
  } catch {
    // Not JSON: the status says enough.
  }
  return '';
}

function printable(text: string): string {
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
  return clean.length > 200 ? `${clean.slice(0, 200)}…` : clean;
}

/** Reads and drops a body so the connection can be reused. */
export async function discard(res: Response): Promise<void> {
  await res.body?.cancel().catch(() => undefined);
}
