/**
 * A registry that misbehaves on purpose (fault-server.ts, node:http on 127.0.0.1): token auth, rate limits, and
 * connections that break in the middle of a blob. Pulls must come through whole and verified.
 */
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pullImage } from '../../src/ops/pull.js';
import { Store } from '../../src/store/index.js';
import { buildImage, FOUR_PLATFORMS, type BuiltImage } from '../helpers/image-builder.js';
import { startFaultServer, type FaultServer, type Faults } from './fault-server.js';
import { storeHas } from './fixtures.js';
import { tempDir } from '../helpers/temp-dir.js';

const FAST = { retries: 3, backoffMs: 5, maxDelayMs: 200 };

describe('pulling from a misbehaving registry', () => {
  let image: BuiltImage;
  let server: FaultServer | undefined;
  let tmp: Awaited<ReturnType<typeof tempDir>> | undefined;

  beforeAll(async () => {
    image = await buildImage({ platforms: FOUR_PLATFORMS, seed: 'faults', padding: 50_000, compression: 'none' });
  });
  afterEach(async () => {
    await server?.stop();
    await tmp?.cleanup();
    server = undefined;
    tmp = undefined;
  });

  async function pullWith(faults: Faults, access: Record<string, unknown> = {}) {
    server = await startFaultServer(image.content, { '1': { mediaType: image.index.desc.mediaType, digest: image.index.desc.digest } }, faults);
    tmp = await tempDir('ferry-faults-');
    const store = await Store.open(join(tmp.dir, 'store'));
    const result = await pullImage(store, `${server.host}/team/app:1`, { allPlatforms: true, access: { ...FAST, ...access } });
    return { store, result };
  }

  it.each([
    ['a bearer token after a 401', { token: { username: 'alice', password: 'pw' } }, { creds: 'alice:pw' }],
    ['429 with Retry-After on every path, twice', { tooMany: { times: 2, retryAfter: '0' } }, {}],
    ['a connection dropped mid-blob (resumed with Range)', { dropAfter: 10_000 }, {}],
    ['a connection dropped mid-blob by a server that ignores Range', { dropAfter: 10_000, ignoreRange: true }, {}],
  ] as const)('survives %s', async (_label, faults, access) => {
    const { store, result } = await pullWith(faults, access);
    expect(result.digest).toBe(image.index.desc.digest);
    expect(await storeHas(store, image.content.blobs.keys())).toEqual([]);
    const log = server!.log;
    if ('token' in faults) expect(log).toContain('GET /token 200');
    if ('tooMany' in faults) expect(log.filter((l) => l.endsWith(' 429')).length).toBeGreaterThanOrEqual(2 * 4);
    if ('dropAfter' in faults) {
      expect(log.filter((l) => l.endsWith('dropped')).length).toBe(image.manifests.length);
      if (!('ignoreRange' in faults)) expect(log.some((l) => l.includes('/blobs/') && l.endsWith(' 206'))).toBe(true);
    }
  });

  it('fails with ERR_UNAUTHORIZED and a hint when the credentials are wrong', async () => {
    await expect(pullWith({ token: { username: 'alice', password: 'pw' } }, { creds: 'alice:wrong' })).rejects.toMatchObject({
      code: 'ERR_UNAUTHORIZED',
      hint: expect.stringContaining('--creds'),
    });
  });

  it('names the reference of an unknown tag with ERR_NOT_FOUND', async () => {
    server = await startFaultServer(image.content, {}, {});
    tmp = await tempDir('ferry-faults-');
    const store = await Store.open(join(tmp.dir, 'store'));
    await expect(pullImage(store, `${server.host}/team/app:nope`, { access: FAST })).rejects.toMatchObject({
      code: 'ERR_NOT_FOUND',
      message: expect.stringContaining(`${server.host}/team/app:nope not found`),
    });
  });

  it('gives up on a registry that keeps answering 429, saying so', async () => {
    await expect(pullWith({ tooMany: { times: 100, retryAfter: '0' } })).rejects.toMatchObject({ code: 'ERR_REGISTRY', message: expect.stringContaining('HTTP 429') });
  });
});
