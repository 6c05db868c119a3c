import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLocation } from '../../src/ops/ends/image-location.js';
import { parseChallenge } from '../../src/registry/auth.js';
import { dockerConfigCredentials, parseCreds } from '../../src/registry/credentials.js';
import { isLoopbackHost, RegistryHttp } from '../../src/registry/http.js';
import { tempDir } from '../helpers/temp-dir.js';

describe('parseChallenge', () => {
  it.each([
    ['Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull"', {
      scheme: 'bearer',
      params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/alpine:pull' },
    }],
    ['Basic realm="Registry Realm"', { scheme: 'basic', params: { realm: 'Registry Realm' } }],
    ['Bearer realm=https://x/token, service=x', { scheme: 'bearer', params: { realm: 'https://x/token', service: 'x' } }],
    ['Bearer realm="a\\"b"', { scheme: 'bearer', params: { realm: 'a"b' } }],
  ])('%s', (header, expected) => {
    expect(parseChallenge(header)).toEqual(expected);
  });
});

describe('credentials', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let path: string;
  beforeAll(async () => {
    tmp = await tempDir('ferry-creds-');
    path = join(tmp.dir, 'config.json');
    const auth = (s: string) => Buffer.from(s).toString('base64');
    await writeFile(path, JSON.stringify({
      auths: {
        'https://index.docker.io/v1/': { auth: auth('hub:pw') },
        'ghcr.io': { auth: auth('gh:to:ken') },
        'https://127.0.0.1:5000': { username: 'u', password: 'p' },
      },
      credsStore: 'desktop',
    }));
  });
  afterAll(() => tmp.cleanup());

  it.each([
    ['docker.io', { username: 'hub', password: 'pw' }],
    ['ghcr.io', { username: 'gh', password: 'to:ken' }],
    ['127.0.0.1:5000', { username: 'u', password: 'p' }],
    ['quay.io', undefined],
  ])('%s from ~/.docker/config.json auths', async (domain, expected) => {
    expect(await dockerConfigCredentials(domain, path)).toEqual(expected);
  });

  it('reads --creds USER:PASSWORD with colons in the password, and refuses a missing user', () => {
    expect(parseCreds('a:b:c')).toEqual({ username: 'a', password: 'b:c' });
    expect(() => parseCreds(':x')).toThrow(expect.objectContaining({ code: 'ERR_USAGE' }));
  });
});

describe('copy locations', () => {
  it.each([
    ['docker://127.0.0.1:5000/a/b:1', { kind: 'registry', ref: { domain: '127.0.0.1:5000', path: 'a/b', tag: '1' } }],
    ['store:alpine:3.19', { kind: 'store', name: 'docker.io/library/alpine:3.19' }],
    // The address is kept whole: openInput / openOutput parse it when they open it (archive-address.ts).
    ['oci-archive:/tmp/x.tar', { kind: 'archive', path: 'oci-archive:/tmp/x.tar' }],
    ['docker-archive:x.tar:@1', { kind: 'archive', path: 'docker-archive:x.tar:@1' }],
    ['./x.tar', { kind: 'archive', path: './x.tar' }],
    ['-', { kind: 'archive', path: '-' }],
  ])('%s', (text, expected) => {
    expect(parseLocation(text)).toEqual(expected);
  });
});

describe('RegistryHttp', () => {
  it.each([
    ['localhost:5000', 'http'],
    ['127.0.0.1:5000', 'http'],
    ['[::1]:5000', 'http'],
    ['registry.example.com', 'https'],
  ])('talks to %s over %s', (domain, scheme) => {
    expect(isLoopbackHost(domain)).toBe(scheme === 'http');
    expect(new RegistryHttp(domain).baseUrl.startsWith(`${scheme}://`)).toBe(true);
  });

  it('waits as long as Retry-After says, not the backoff', async () => {
    const calls: number[] = [];
    const fake = (async () => {
      calls.push(Date.now());
      return calls.length === 1 ? new Response(null, { status: 429, headers: { 'Retry-After': '0.3' } }) : new Response('ok', { status: 200 });
    }) as typeof fetch;
    const http = new RegistryHttp('127.0.0.1:1', { fetch: fake, backoffMs: 1 });
    const res = await http.request({ method: 'GET', url: '/v2/', scopes: [], ok: [200], what: 'test' });
    expect(res.status).toBe(200);
    expect(calls[1]! - calls[0]!).toBeGreaterThanOrEqual(290);
  });

  it.each([
    ['an upload Location', 'http://registry.example.com/v2/a/blobs/uploads/1', 'Bearer realm="https://auth.example.com/token"'],
    ['a token realm', '/v2/', 'Bearer realm="http://auth.example.com/token",service="r"'],
  ])('sends nothing over plain HTTP to a remote host when %s asks for it, unless --insecure', async (_what, url, challenge) => {
    const requested: string[] = [];
    const fake = (async (input: string | URL, init?: RequestInit) => {
      requested.push(`${String(input)} ${JSON.stringify(init?.headers ?? {})}`);
      if (String(input).includes('/token')) return new Response(JSON.stringify({ token: 't' }), { status: 200 });
      const authorized = Object.keys((init?.headers ?? {}) as Record<string, string>).includes('Authorization');
      return authorized ? new Response('ok', { status: 200 }) : new Response(null, { status: 401, headers: { 'WWW-Authenticate': challenge } });
    }) as typeof fetch;
    const credentials = { username: 'alice', password: 's3cret' };
    const request = { method: 'GET' as const, url, scopes: ['repository:a:pull'], ok: [200], what: 'test' };
    const strict = new RegistryHttp('registry.example.com', { fetch: fake, credentials, retries: 0 });
    await expect(strict.request(request)).rejects.toMatchObject({ code: 'ERR_REGISTRY', message: expect.stringContaining('plain HTTP') });
    expect(requested.filter((r) => r.startsWith('http://'))).toEqual([]);

    const insecure = new RegistryHttp('registry.example.com', { fetch: fake, credentials, retries: 0, insecure: true });
    expect((await insecure.request(request)).status).toBe(200);
  });
});
