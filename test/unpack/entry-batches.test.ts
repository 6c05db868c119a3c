import { describe, expect, it } from 'vitest';
import { BATCH_BYTES, type EntryBatch, EntryBatches, unpackBatch } from '../../src/unpack/entry-batches.js';
import type { EntryHeader } from '../../src/unpack/layer-applier.js';

/** What the worker would see: the sequence of headers and content chunks, batch by batch. */
async function roundTrip(feed: (batches: EntryBatches) => Promise<void>): Promise<{ events: (EntryHeader | Buffer)[]; sent: EntryBatch[] }> {
  const sent: EntryBatch[] = [];
  const batches = new EntryBatches(async (batch) => {
    // A structured clone, as postMessage makes: the batch must survive it whole.
    sent.push(structuredClone(batch));
  });
  await feed(batches);
  await batches.flush();
  const events: (EntryHeader | Buffer)[] = [];
  for (const batch of sent) unpackBatch(batch, { header: (h) => events.push(h), content: (c) => events.push(Buffer.from(c)) });
  return { events, sent };
}

describe('entry batches', () => {
  it('carry every header field the applier reads, and leave out the ones the tar did not have', async () => {
    const full: EntryHeader = { name: 'usr/bin/tool', type: 'file', size: 3, mode: 0o755, uid: 1000, gid: 50, mtime: new Date('2020-01-02T03:04:05Z'), linkname: null, pax: { 'SCHILY.xattr.security.capability': 'x' } };
    const bare: EntryHeader = { name: 'etc/', type: null };
    const link: EntryHeader = { name: 'usr/bin/alias', type: 'symlink', linkname: 'tool', mtime: new Date(Number.NaN) };
    const { events } = await roundTrip(async (b) => {
      await b.header(full);
      await b.content(Buffer.from('abc'));
      await b.header(bare);
      await b.header(link);
    });
    expect(events[0]).toEqual({ name: 'usr/bin/tool', type: 'file', size: 3, mode: 0o755, uid: 1000, gid: 50, mtime: new Date('2020-01-02T03:04:05Z'), pax: { 'SCHILY.xattr.security.capability': 'x' } });
    expect(events[1]).toEqual(Buffer.from('abc'));
    expect(events[2]).toEqual({ name: 'etc/', type: null, size: 0 });
    // An mtime that is no date stays one, so the applier's header check still refuses it.
    const third = events[3] as EntryHeader;
    expect(third.linkname).toBe('tool');
    expect(Number.isNaN(third.mtime!.getTime())).toBe(true);
  });

  it('split a file larger than a batch over several, in order, and start a new batch after 512 records', async () => {
    const big = Buffer.alloc(BATCH_BYTES * 2 + 12345);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7) % 251;
    const { events, sent } = await roundTrip(async (b) => {
      await b.header({ name: 'big', type: 'file', size: big.length });
      // Fed in uneven chunks, as a decompressor gives them.
      for (let at = 0; at < big.length; at += 300_001) await b.content(big.subarray(at, at + 300_001));
      for (let i = 0; i < 1500; i++) await b.header({ name: `d/${i}`, type: 'directory' });
    });
    // Buffer.equals: a deep toEqual of megabytes takes vitest seconds.
    expect(Buffer.concat(events.filter((e): e is Buffer => Buffer.isBuffer(e))).equals(big)).toBe(true);
    expect(events.filter((e) => !Buffer.isBuffer(e)).map((h) => (h as EntryHeader).name)).toEqual(['big', ...Array.from({ length: 1500 }, (_, i) => `d/${i}`)]);
    expect(sent.every((batch) => batch.count <= 512)).toBe(true);
    expect(sent.reduce((n, batch) => n + batch.entries, 0)).toBe(1501);
  });
});
