import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { digestOf } from '../../src/oci/digest.js';
import { blob, blobDigests, streamOf } from './fixtures/images.js';
import { useTempStore } from '../helpers/temp-dir.js';

describe('store blobs', () => {
  const tmp = useTempStore();

  const leftovers = async () => ({ blobs: await blobDigests(tmp.dir), ingest: await readdir(join(tmp.dir, 'ingest')) });

  it('writes a blob at blobs/<alg>/<hex> and reads it back', async () => {
    const b = blob('hello layer');
    await tmp.store.write(b.desc, streamOf(b.bytes));
    const path = tmp.store.blobPath(b.desc.digest);
    expect(path).toBe(join(tmp.dir, 'blobs', 'sha256', b.desc.digest.slice(7)));
    expect(await readFile(path, 'utf8')).toBe('hello layer');
    expect(await tmp.store.has(b.desc)).toBe(true);
    expect(await tmp.store.has({ ...b.desc, size: b.desc.size + 1 })).toBe(false);
    expect(await tmp.store.stat(b.desc.digest)).toEqual({ size: b.bytes.length });
    expect(await text(await tmp.store.fetch(b.desc))).toBe('hello layer');
    expect((await tmp.store.readDocument(b.desc)).toString()).toBe('hello layer');
    expect((await leftovers()).ingest).toEqual([]);
  });

  it('streams a blob bigger than one chunk', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
    const b = blob(big);
    const chunks = Array.from({ length: 52 }, (_, i) => big.subarray(i * 65536, (i + 1) * 65536));
    await tmp.store.write(b.desc, Readable.from(chunks));
    expect((await readFile(tmp.store.blobPath(b.desc.digest))).equals(big)).toBe(true);
  });

  const corrupt: { what: string; content: string; desc: (good: ReturnType<typeof blob>['desc']) => ReturnType<typeof blob>['desc']; code: string }[] = [
    { what: 'wrong digest', content: 'evil', desc: (d) => ({ ...d, digest: digestOf('good') }), code: 'ERR_DIGEST_MISMATCH' },
    { what: 'short content', content: 'goo', desc: (d) => ({ ...d, size: 4 }), code: 'ERR_SIZE_MISMATCH' },
    { what: 'too long content', content: 'goodgood', desc: (d) => ({ ...d, size: 4 }), code: 'ERR_SIZE_MISMATCH' },
  ];
  it.each(corrupt)('refuses $what and leaves nothing behind', async ({ content, desc, code }) => {
    const b = blob(content);
    await expect(tmp.store.write(desc(b.desc), streamOf(b.bytes))).rejects.toMatchObject({ code });
    expect(await leftovers()).toEqual({ blobs: [], ingest: [] });
  });

  it('fails and cleans up when the source stream errors', async () => {
    const b = blob('whatever');
    const failing = new Readable({
      read() {
        this.destroy(new Error('network down'));
      },
    });
    await expect(tmp.store.write(b.desc, failing)).rejects.toThrow('network down');
    expect(await leftovers()).toEqual({ blobs: [], ingest: [] });
  });

  it('refuses digests that could name another file', async () => {
    for (const digest of ['sha256:../../etc/passwd', `sha256:${'A'.repeat(64)}`, `md5:${'a'.repeat(32)}`]) {
      await expect(tmp.store.write({ digest, size: 1 }, streamOf(Buffer.from('x')))).rejects.toMatchObject({ code: 'ERR_INVALID_DIGEST' });
      expect(() => tmp.store.blobPath(digest)).toThrow(/invalid digest/);
    }
  });

  it('skips a blob already present but still verifies the stream', async () => {
    const b = blob('same');
    await tmp.store.write(b.desc, streamOf(b.bytes));
    await tmp.store.write(b.desc, streamOf(b.bytes));
    await expect(tmp.store.write(b.desc, streamOf(Buffer.from('sAme')))).rejects.toMatchObject({ code: 'ERR_DIGEST_MISMATCH' });
    expect(await readFile(tmp.store.blobPath(b.desc.digest), 'utf8')).toBe('same');
  });

  it('repairs a truncated blob file by rewriting it', async () => {
    const b = blob('complete content');
    await writeFile(join(tmp.dir, 'blobs', 'sha256', b.desc.digest.slice(7)), 'compl');
    expect(await tmp.store.has(b.desc)).toBe(false);
    await tmp.store.write(b.desc, streamOf(b.bytes));
    expect(await readFile(tmp.store.blobPath(b.desc.digest), 'utf8')).toBe('complete content');
  });

  it('lets concurrent writers of one blob all succeed', async () => {
    const b = blob(Buffer.alloc(512 * 1024, 3));
    await Promise.all(Array.from({ length: 6 }, () => tmp.store.write(b.desc, streamOf(b.bytes))));
    expect(await leftovers()).toEqual({ blobs: [b.desc.digest], ingest: [] });
    expect((await readFile(tmp.store.blobPath(b.desc.digest))).equals(b.bytes)).toBe(true);
  });

  it('writeUnknown stores content under its computed digest', async () => {
    const result = await tmp.store.writeUnknown(streamOf(Buffer.from('mystery')));
    expect(result).toEqual({ digest: digestOf('mystery'), size: 7 });
    expect(await readFile(tmp.store.blobPath(result.digest), 'utf8')).toBe('mystery');
    expect((await leftovers()).ingest).toEqual([]);
  });

  it('reports missing blobs as ERR_BLOB_MISSING', async () => {
    const { desc } = blob('absent');
    await expect(tmp.store.fetch(desc)).rejects.toMatchObject({ code: 'ERR_BLOB_MISSING', digest: desc.digest });
    await expect(tmp.store.readDocument(desc)).rejects.toMatchObject({ code: 'ERR_BLOB_MISSING' });
    expect(await tmp.store.has(desc)).toBe(false);
    expect(await tmp.store.stat(desc.digest)).toBeUndefined();
  });

  it('readDocument verifies content and enforces the size cap', async () => {
    const b = blob('{"schemaVersion":2}');
    await tmp.store.write(b.desc, streamOf(b.bytes));
    await expect(tmp.store.readDocument(b.desc, 5)).rejects.toMatchObject({ code: 'ERR_TOO_LARGE' });
    await writeFile(tmp.store.blobPath(b.desc.digest), '{"schemaVersion":3}');
    await expect(tmp.store.readDocument(b.desc)).rejects.toMatchObject({ code: 'ERR_DIGEST_MISMATCH' });
  });
});
