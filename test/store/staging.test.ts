import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { blob, blobDigests, image, streamOf, writeAll } from './fixtures/images.js';
import { useTempStore } from '../helpers/temp-dir.js';

describe('staged import', () => {
  const tmp = useTempStore();

  const snapshot = async () => ({
    index: await readFile(join(tmp.dir, 'index.json'), 'utf8'),
    blobs: await blobDigests(tmp.dir),
    ingest: await readdir(join(tmp.dir, 'ingest')),
  });

  it('shows nothing in the store until commit, then the kept blobs and the records', async () => {
    const img = image('staged');
    const junk = blob('not kept');
    const staging = await tmp.store.stage();
    await writeAll(staging, [...img.blobs, junk]);
    const unknown = await staging.writeUnknown(streamOf(Buffer.from('hashed on the way in')));
    expect(await blobDigests(tmp.dir)).toEqual([]);
    expect(await tmp.store.listImages()).toEqual([]);
    expect(await staging.has(img.manifest.desc)).toBe(true);
    expect((await staging.readDocument(img.manifest.desc)).equals(img.manifest.bytes)).toBe(true);

    await staging.commit({ keep: [...img.blobs.map((b) => b.desc.digest), unknown.digest], records: [{ name: 'example.com/staged:1', target: img.manifest.desc }] });
    expect(await blobDigests(tmp.dir)).toEqual([...img.blobs.map((b) => b.desc.digest), unknown.digest].sort());
    expect(await tmp.store.getImage('example.com/staged:1')).toEqual({ name: 'example.com/staged:1', target: img.manifest.desc });
    expect(await readdir(join(tmp.dir, 'ingest'))).toEqual([]);
    await expect(staging.has(img.manifest.desc)).rejects.toMatchObject({ code: 'ERR_STORE' });
  });

  it('abort leaves the store exactly as it was', async () => {
    const before = image('before');
    await writeAll(tmp.store, before.blobs);
    await tmp.store.putImages([{ name: 'before:1', target: before.manifest.desc }]);
    const was = await snapshot();

    const staging = await tmp.store.stage();
    await writeAll(staging, image('aborted').blobs);
    expect(existsSync(staging.dir)).toBe(true);
    await staging.abort();
    await staging.abort();
    expect(await snapshot()).toEqual(was);
  });

  it('sees blobs already in the store, so a delta import only stages what is new', async () => {
    const shared = blob('base layer');
    const old = image('old', [shared]);
    await writeAll(tmp.store, old.blobs);
    const next = image('next', [shared, blob('new layer')]);

    const staging = await tmp.store.stage();
    expect(await staging.has(shared.desc)).toBe(true);
    expect(await text(await staging.fetch(shared.desc))).toBe('base layer');
    expect(await staging.stat(shared.desc.digest)).toEqual({ size: shared.bytes.length });
    await writeAll(staging, next.blobs);
    // The shared layer was drained, not staged again.
    expect(existsSync(join(staging.dir, 'blobs', 'sha256', shared.desc.digest.slice(7)))).toBe(false);
    await staging.commit({ keep: next.blobs.map((b) => b.desc.digest), records: [{ name: 'next:1', target: next.manifest.desc }] });
    expect(await blobDigests(tmp.dir)).toEqual([...new Set([...old.blobs, ...next.blobs].map((b) => b.desc.digest))].sort());
  });

  it('refuses to commit an image whose kept blob is nowhere, changing nothing', async () => {
    const img = image('partial');
    const was = await snapshot();
    const staging = await tmp.store.stage();
    await writeAll(staging, [img.config, img.manifest]);
    const err = await staging
      .commit({ keep: img.blobs.map((b) => b.desc.digest), records: [{ name: 'partial:1', target: img.manifest.desc }] })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_BLOB_MISSING', digest: img.layers[0]!.desc.digest });
    expect(await snapshot()).toEqual(was);
  });

  it('refuses a record whose target is neither kept nor stored', async () => {
    const img = image('unkept');
    const staging = await tmp.store.stage();
    await writeAll(staging, img.blobs);
    await expect(staging.commit({ keep: [], records: [{ name: 'unkept:1', target: img.manifest.desc }] })).rejects.toMatchObject({
      code: 'ERR_BLOB_MISSING',
    });
    expect(await tmp.store.listImages()).toEqual([]);
  });

  it('verifies what is staged', async () => {
    const staging = await tmp.store.stage();
    const b = blob('real');
    await expect(staging.write({ ...b.desc, size: 99 }, streamOf(b.bytes))).rejects.toMatchObject({ code: 'ERR_SIZE_MISMATCH' });
    expect(await staging.has(b.desc)).toBe(false);
    await staging.abort();
  });
});
