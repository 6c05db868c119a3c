import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readlinkSync } from 'node:fs';
import { open, readdir, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_PENDING_FSYNCS } from '../../src/store/blob-durability.js';
import { blob, blobDigests, image, streamOf, writeAll, type TestBlob } from './fixtures/images.js';
import { useTempStore } from '../helpers/temp-dir.js';

/**
 * Every fsync ferry makes goes through FileHandle.prototype.sync; the spy sees which file each one flushes
 * (through /proc/self/fd) and can slow it down or fail it, as a busy or failing disk would.
 */
async function fileHandlePrototype(): Promise<{ sync(this: FileHandle): Promise<void> }> {
  const probe = await open(process.execPath, 'r');
  const proto = Object.getPrototypeOf(probe) as { sync(this: FileHandle): Promise<void> };
  await probe.close();
  return proto;
}

const openFds = (): number => readdirSync('/proc/self/fd').length;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Watches fsyncs of staged blobs (files under ingest/stage-*), letting each run `behave` around the real fsync.
 * `path()` is the file's name now: its temp name until the blob is renamed into the staging area.
 */
async function watchStagedFsyncs(behave: (path: () => string, real: () => Promise<void>) => Promise<void>) {
  const proto = await fileHandlePrototype();
  const realSync = proto.sync;
  const stats = { started: 0, finished: 0, inFlight: 0, maxInFlight: 0, maxExtraFds: 0 };
  const baselineFds = openFds();
  vi.spyOn(proto, 'sync').mockImplementation(async function (this: FileHandle) {
    const path = () => readlinkSync(`/proc/self/fd/${this.fd}`);
    const real = () => realSync.call(this);
    if (!path().includes('/ingest/stage-')) return real();
    stats.started++;
    stats.inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    stats.maxExtraFds = Math.max(stats.maxExtraFds, openFds() - baselineFds);
    try {
      await behave(path, real);
    } finally {
      stats.inFlight--;
      stats.finished++;
    }
  });
  return stats;
}

/** A layer of `bytes` random bytes: real fsyncs have real work to do. */
const randomLayer = (bytes: number): TestBlob => blob(randomBytes(bytes));

describe('staged blobs are flushed in the background and awaited by commit and abort', () => {
  const tmp = useTempStore();
  afterEach(() => {
    vi.restoreAllMocks();
  });

  const snapshot = async () => ({
    index: await readFile(join(tmp.dir, 'index.json'), 'utf8'),
    blobs: await blobDigests(tmp.dir),
    ingest: await readdir(join(tmp.dir, 'ingest')),
  });

  it('refuses to commit after a background fsync failed, with ERR_STORE naming the blob, changing nothing', async () => {
    const before = image('before', [randomLayer(2 << 20)]);
    await writeAll(tmp.store, before.blobs);
    await tmp.store.putImages([{ name: 'before:1', target: before.manifest.desc }]);
    const was = await snapshot();

    const failing = randomLayer(4 << 20);
    const img = image('flaky disk', [randomLayer(3 << 20), randomLayer(1 << 20), failing]);
    await watchStagedFsyncs(async (path, real) => {
      await real();
      // The failure arrives after write returned, as a slow EIO from the disk would: only commit can see it.
      await sleep(50);
      if (path().endsWith(failing.desc.digest.slice('sha256:'.length))) throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
    });
    const staging = await tmp.store.stage();
    // The failing layer is written last, so no later write waits on it and reports it first.
    await writeAll(staging, [img.config, img.layers[0]!, img.layers[1]!, img.manifest, failing]);
    const err = await staging
      .commit({ keep: img.blobs.map((b) => b.desc.digest), records: [{ name: 'flaky:1', target: img.manifest.desc }] })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'FerryError', code: 'ERR_STORE', path: expect.stringContaining(failing.desc.digest.slice('sha256:'.length)) });
    expect((err as Error).message).toContain('EIO');
    expect(await snapshot()).toEqual(was);
    expect(await tmp.store.listImages()).toEqual([{ name: 'before:1', target: before.manifest.desc }]);
  });

  it('stops the import at the next write once a background fsync has failed', async () => {
    const first = randomLayer(1 << 20);
    const stats = await watchStagedFsyncs(async (_path, real) => {
      await real();
      throw Object.assign(new Error('ENOSPC: no space left on device, fsync'), { code: 'ENOSPC' });
    });
    const staging = await tmp.store.stage();
    await staging.write(first.desc, streamOf(first.bytes));
    while (stats.finished < 1) await sleep(10);
    const next = randomLayer(1 << 20);
    await expect(staging.write(next.desc, streamOf(next.bytes))).rejects.toMatchObject({ code: 'ERR_STORE' });
    await staging.abort();
    expect(await readdir(join(tmp.dir, 'ingest'))).toEqual([]);
  });

  it('abort waits for every pending fsync, one of them failing, and leaves no fd open', async () => {
    const fdsBefore = openFds();
    const layers = Array.from({ length: MAX_PENDING_FSYNCS + 4 }, () => randomLayer(512 << 10));
    let calls = 0;
    const stats = await watchStagedFsyncs(async (_path, real) => {
      // The last one fails: no later write waits on it, so only abort meets the failure.
      const failThisOne = ++calls === layers.length;
      await sleep(300);
      await real();
      if (failThisOne) throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
    });
    const staging = await tmp.store.stage();
    await writeAll(staging, layers);
    expect(stats.finished).toBeLessThan(stats.started);
    await staging.abort();
    expect(stats).toMatchObject({ started: layers.length, finished: layers.length, inFlight: 0 });
    expect(existsSync(staging.dir)).toBe(false);
    expect(openFds()).toBe(fdsBefore);
  });

  it(`holds at most ${MAX_PENDING_FSYNCS} fsyncs (and their fds) in flight over 400 blobs, all flushed before commit moves them`, async () => {
    const layers = Array.from({ length: 400 }, (_, i) => randomLayer(16_384 + ((i * 7919) % 49_152)));
    const img = image('many layers', layers);
    const stats = await watchStagedFsyncs(async (_path, real) => {
      await real();
      await sleep(5);
    });
    const staging = await tmp.store.stage();
    await writeAll(staging, img.blobs);
    await staging.commit({ keep: img.blobs.map((b) => b.desc.digest), records: [{ name: 'many:1', target: img.manifest.desc }] });

    expect(stats.started).toBe(img.blobs.length);
    expect(stats.finished).toBe(img.blobs.length);
    // Flushed in the background: more than one at a time, but never more than the bound.
    expect(stats.maxInFlight).toBeGreaterThan(1);
    expect(stats.maxInFlight).toBeLessThanOrEqual(MAX_PENDING_FSYNCS);
    // One fd per pending fsync, plus the blob being written and its temp file's stream.
    expect(stats.maxExtraFds).toBeLessThanOrEqual(MAX_PENDING_FSYNCS + 2);
    expect(await blobDigests(tmp.dir)).toEqual(img.blobs.map((b) => b.desc.digest).sort());
    const sample = layers[123]!;
    expect((await readFile(join(tmp.dir, 'blobs', 'sha256', sample.desc.digest.slice(7)))).equals(sample.bytes)).toBe(true);
  });

  it('still flushes a blob written straight into the store before write returns', async () => {
    const proto = await fileHandlePrototype();
    const realSync = proto.sync;
    let pending = 0;
    vi.spyOn(proto, 'sync').mockImplementation(async function (this: FileHandle) {
      pending++;
      await sleep(100);
      await realSync.call(this);
      pending--;
    });
    const layer = randomLayer(2 << 20);
    await writeAll(tmp.store, [layer]);
    expect(pending).toBe(0);
    expect(await blobDigests(tmp.dir)).toEqual([layer.desc.digest]);
  });
});
