import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isFerryError } from '../../src/errors.js';
import { digestOf } from '../../src/oci/digest.js';
import { chainIDs } from '../../src/oci/chain.js';
import { ensureSnapshot, snapshotPath } from '../../src/unpack/snapshot.js';
import { buildImage } from '../helpers/image-builder.js';
import { tree } from './sandbox.js';

describe('ensureSnapshot', () => {
  let store: string;
  beforeEach(async () => {
    store = await mkdtemp(join(tmpdir(), 'ferry-snapshot-'));
  });
  afterEach(() => rm(store, { recursive: true, force: true }));

  it('unpacks into snapshots/<top chainID hex> and reuses it the second time', async () => {
    const image = await buildImage({ platforms: [{ os: 'linux', architecture: 'arm64' }] });
    const [m] = image.manifests;
    const layers = m!.layers.map((l) => l.desc);
    const diffIDs = m!.layers.map((l) => l.diffID);
    const top = chainIDs(diffIDs)[1]!;

    const first = await ensureSnapshot(store, image.content, layers, diffIDs);
    expect(first).toMatchObject({ path: join(store, 'snapshots', top.slice('sha256:'.length)), reused: false, chainID: top });
    expect(await readFile(join(first.path, 'app/linux-arm64.txt'), 'utf8')).toContain('linux/arm64');
    expect(await readdir(join(store, 'snapshots'))).toEqual([top.slice('sha256:'.length)]);

    // Reuse needs no content at all: nothing is fetched.
    image.content.blobs.clear();
    const second = await ensureSnapshot(store, image.content, layers, diffIDs);
    expect(second).toEqual({ path: first.path, reused: true, chainID: top, warnings: [] });
  });

  it('leaves neither the snapshot nor a temporary directory behind when the unpack fails', async () => {
    const image = await buildImage({ platforms: [{ os: 'linux', architecture: 'amd64' }] });
    const [m] = image.manifests;
    const diffIDs = [m!.layers[0]!.diffID, digestOf('wrong')];
    const err = await ensureSnapshot(store, image.content, m!.layers.map((l) => l.desc), diffIDs).catch((e: unknown) => e);
    expect(isFerryError(err, 'ERR_DIGEST_MISMATCH'), String(err)).toBe(true);
    expect(await readdir(join(store, 'snapshots'))).toEqual([]);
    await expect(readdir(snapshotPath(store, diffIDs))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('gives an image without layers the empty snapshot', async () => {
    const image = await buildImage({ platforms: [{ os: 'linux', architecture: 'amd64' }] });
    const result = await ensureSnapshot(store, image.content, [], []);
    expect(result).toMatchObject({ path: join(store, 'snapshots', 'empty'), reused: false });
    expect(await tree(result.path)).toEqual([]);
  });
});
