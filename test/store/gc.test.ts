import { existsSync } from 'node:fs';
import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MediaType } from '../../src/oci/mediatypes.js';
import { blob, blobDigests, image, index, referrer, writeAll, type TestBlob } from './fixtures/images.js';
import { useTempStore } from '../helpers/temp-dir.js';

const digests = (blobs: TestBlob[]) => [...new Set(blobs.map((b) => b.desc.digest))].sort();

describe('store gc', () => {
  const tmp = useTempStore();

  it('removes exactly the blobs no record reaches', async () => {
    const shared = blob('shared base layer');
    const amd64 = image('multi-amd64', [shared, blob('amd64 top')]);
    const arm64 = image('multi-arm64', [shared, blob('arm64 top')], { architecture: 'arm64', os: 'linux' });
    const multi = index([amd64.desc, arm64.desc]);
    const single = image('single', [shared]);
    const orphanImage = image('orphan', [blob('orphan layer')]);
    const strayReferrer = referrer(multi.desc, 'not a record'); // subject is kept, but it is not reachable itself
    const keptReferrer = referrer(multi.desc, 'a record');
    const loose = blob('loose blob');

    const live = [...amd64.blobs, ...arm64.blobs, multi, ...single.blobs, ...keptReferrer.blobs];
    const dead = [...orphanImage.blobs, ...strayReferrer.blobs.slice(1), loose]; // the empty config is shared with keptReferrer
    await writeAll(tmp.store, [...live, ...dead]);
    await tmp.store.putImages([
      { name: 'example.com/multi:1', target: multi.desc },
      { name: 'example.com/single:1', target: single.manifest.desc },
      { name: 'example.com/multi:sig', target: keptReferrer.manifest.desc },
    ]);

    const result = await tmp.store.gc();
    expect(result.removedBlobs.map((b) => b.digest).sort()).toEqual(digests(dead));
    expect(result.bytesFreed).toBe(dead.reduce((sum, b) => sum + b.bytes.length, 0));
    expect(await blobDigests(tmp.dir)).toEqual(digests(live));
    expect((await tmp.store.gc()).removedBlobs).toEqual([]);
  });

  it('drops the verified diffID record of a blob it removes, and keeps the others', async () => {
    const kept = image('kept', [blob('kept layer')]);
    const gone = blob('gone layer');
    await writeAll(tmp.store, [...kept.blobs, gone]);
    await tmp.store.putImages([{ name: 'example.com/kept:1', target: kept.manifest.desc }]);
    const keptBlob = kept.blobs.at(-1)!.desc.digest;
    const diffID = `sha256:${'d'.repeat(64)}`;
    await tmp.store.diffIDs.put(keptBlob, diffID);
    await tmp.store.diffIDs.put(gone.desc.digest, diffID);
    await tmp.store.gc();
    expect(await tmp.store.diffIDs.get(gone.desc.digest)).toBeUndefined();
    expect(await tmp.store.diffIDs.get(keptBlob)).toBe(diffID);
  });

  it('after a record is removed, collects only what no other record shares', async () => {
    const shared = blob('base');
    const a = image('a', [shared, blob('a only')]);
    const b = image('b', [shared]);
    await writeAll(tmp.store, [...a.blobs, ...b.blobs]);
    await tmp.store.putImages([
      { name: 'a:1', target: a.manifest.desc },
      { name: 'b:1', target: b.manifest.desc },
    ]);
    await tmp.store.removeImages(['a:1']);
    const result = await tmp.store.gc();
    expect(result.removedBlobs.map((r) => r.digest).sort()).toEqual(digests([a.config, a.layers[1]!, a.manifest]));
    expect(await blobDigests(tmp.dir)).toEqual(digests(b.blobs));
  });

  it('tolerates partial images and keeps entries other tools wrote without a name', async () => {
    const partial = image('partial', [blob('present'), blob('absent')]);
    const unnamed = image('unnamed');
    await writeAll(tmp.store, [partial.config, partial.layers[0]!, partial.manifest, ...unnamed.blobs]);
    await tmp.store.putImages([{ name: 'partial:1', target: partial.manifest.desc }]);
    const entries = JSON.parse(JSON.stringify([{ ...unnamed.manifest.desc }]));
    await tmp.store.updateIndex(async (current) => [...current, ...entries]);
    expect((await tmp.store.gc()).removedBlobs).toEqual([]);
  });

  it('keeps layers of a schema 1 manifest', async () => {
    const layer = blob('schema1 layer', MediaType.dockerLayerGzip);
    const manifest = blob(
      JSON.stringify({ schemaVersion: 1, name: 'x', tag: '1', fsLayers: [{ blobSum: layer.desc.digest }], history: [{ v1Compatibility: '{}' }] }),
      MediaType.dockerSchema1,
    );
    await writeAll(tmp.store, [layer, manifest]);
    await tmp.store.putImages([{ name: 'old:1', target: manifest.desc }]);
    expect((await tmp.store.gc()).removedBlobs).toEqual([]);
  });

  it('stops without deleting anything when a reachable manifest is corrupt', async () => {
    const img = image('corrupt');
    await writeAll(tmp.store, img.blobs);
    await tmp.store.putImages([{ name: 'c:1', target: img.manifest.desc }]);
    await writeFile(tmp.store.blobPath(img.manifest.desc.digest), Buffer.alloc(img.manifest.bytes.length, 32));
    await expect(tmp.store.gc()).rejects.toMatchObject({ code: 'ERR_DIGEST_MISMATCH' });
    expect(await blobDigests(tmp.dir)).toEqual(digests(img.blobs));
  });

  it('removes abandoned staging areas and old temp files, and leaves live ones alone', async () => {
    const ingest = join(tmp.dir, 'ingest');
    const live = await tmp.store.stage();
    await writeAll(live, [blob('in flight')]);
    const dead = join(ingest, 'stage-1-deadbeef');
    await mkdir(join(dead, 'blobs', 'sha256'), { recursive: true });
    await mkdir(join(ingest, 'stage-2-cafe.lock'));
    await utimes(join(ingest, 'stage-2-cafe.lock'), new Date(0), new Date(0)); // stale: its owner died
    const oldTemp = join(ingest, 'blob-1-old');
    const freshTemp = join(ingest, 'blob-1-fresh');
    await writeFile(oldTemp, 'x');
    await writeFile(freshTemp, 'x');
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    await utimes(oldTemp, twoHoursAgo, twoHoursAgo);

    const result = await tmp.store.gc();
    expect(result.removedTemp.sort()).toEqual([dead, join(ingest, 'stage-2-cafe.lock'), oldTemp].sort());
    expect((await readdir(ingest)).sort()).toEqual(['blob-1-fresh', `${live.dir.slice(ingest.length + 1)}`, `${live.dir.slice(ingest.length + 1)}.lock`].sort());
    await live.commit({ keep: [], records: [] });
    expect(existsSync(live.dir)).toBe(false);
  });
});
