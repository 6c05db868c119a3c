import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isFerryError } from '../../src/errors.js';
import { digestOf } from '../../src/oci/digest.js';
import { DiffIDRecords } from '../../src/store/diffids.js';
import { chainIDs } from '../../src/oci/chain-ids.js';
import { ensureSnapshot, snapshotPath } from '../../src/unpack/snapshot.js';
import { buildImage } from '../helpers/image-builder.js';
import { tree } from './sandbox.js';

describe('ensureSnapshot', () => {
  let store: string;
  beforeEach(async () => {
    store = await mkdtemp(join(tmpdir(), 'ferry-snapshot-'));
  });
  afterEach(() => rm(store, { recursive: true, force: true }));
  const snapshots = () => ({ root: store, diffIDs: DiffIDRecords.at(store) });

  it('unpacks into snapshots/<top chainID hex> and reuses it the second time', async () => {
    const image = await buildImage({ platforms: [{ os: 'linux', architecture: 'arm64' }] });
    const [m] = image.manifests;
    const layers = m!.layers.map((l) => l.desc);
    const diffIDs = m!.layers.map((l) => l.diffID);
    const top = chainIDs(diffIDs)[1]!;

    const first = await ensureSnapshot(snapshots(), image.content, layers, diffIDs);
    expect(first).toMatchObject({ path: join(store, 'snapshots', top.slice('sha256:'.length)), reused: false, chainID: top });
    expect(await readFile(join(first.path, 'app/linux-arm64.txt'), 'utf8')).toContain('linux/arm64');
    expect(await readdir(join(store, 'snapshots'))).toEqual([top.slice('sha256:'.length)]);

    // The unpack recorded its verified blob → diffID pairs, so reuse needs no content at all: nothing is fetched.
    image.content.blobs.clear();
    const second = await ensureSnapshot(snapshots(), image.content, layers, diffIDs);
    expect(second).toEqual({ path: first.path, reused: true, chainID: top, warnings: [] });
  });

  it('leaves neither the snapshot nor a temporary directory behind when the unpack fails', async () => {
    const image = await buildImage({ platforms: [{ os: 'linux', architecture: 'amd64' }] });
    const [m] = image.manifests;
    const diffIDs = [m!.layers[0]!.diffID, digestOf('wrong')];
    const err = await ensureSnapshot(snapshots(), image.content, m!.layers.map((l) => l.desc), diffIDs).catch((e: unknown) => e);
    expect(isFerryError(err, 'ERR_DIGEST_MISMATCH'), String(err)).toBe(true);
    expect(await readdir(join(store, 'snapshots'))).toEqual([]);
    await expect(readdir(snapshotPath(store, diffIDs))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('verifies a layer the store has no record of before reusing the snapshot of its claimed diffID', async () => {
    const image = await buildImage({ platforms: [{ os: 'linux', architecture: 'arm64' }] });
    const [m] = image.manifests;
    const layers = m!.layers.map((l) => l.desc);
    const diffIDs = m!.layers.map((l) => l.diffID);
    await ensureSnapshot(snapshots(), image.content, layers, diffIDs);
    // Another image's layers claiming these diffIDs: their content is read, and does not match.
    const other = await buildImage({ platforms: [{ os: 'linux', architecture: 'arm64' }], seed: 'other' });
    const err = await ensureSnapshot(snapshots(), other.content, other.manifests[0]!.layers.map((l) => l.desc), diffIDs).catch((e: unknown) => e);
    expect(isFerryError(err, 'ERR_DIGEST_MISMATCH'), String(err)).toBe(true);
    // The same layers again are verified from the records, even with no content at hand.
    image.content.blobs.clear();
    expect((await ensureSnapshot(snapshots(), image.content, layers, diffIDs)).reused).toBe(true);
  });

  it('gives an image without layers the empty snapshot', async () => {
    const image = await buildImage({ platforms: [{ os: 'linux', architecture: 'amd64' }] });
    const result = await ensureSnapshot(snapshots(), image.content, [], []);
    expect(result).toMatchObject({ path: join(store, 'snapshots', 'empty'), reused: false });
    expect(await tree(result.path)).toEqual([]);
  });
});
