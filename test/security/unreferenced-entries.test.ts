/**
 * Item 1 of issue 18, plain archives: once an archive is known to be an OCI layout and every document its
 * index.json reaches has been seen, entries no image references are hashed on the way past but never written
 * to staging — disk use is bounded by what images reference, not by what the archive carries.
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readArchive } from '../../src/archive/read/index.js';
import { digestOf } from '../../src/oci/digest.js';
import { CountingSink, MemoryContent } from '../helpers/memory-content.js';
import { tarBytes } from '../helpers/tar.js';
import { imageOf, layoutTar } from './hostile-corpus.js';

const JUNK = 32 * 1024 * 1024;

describe('unreferenced archive entries', () => {
  it('prevents unreferenced blobs and stray files of an OCI layout from being written to staging', async () => {
    const { blobs, indexJson } = imageOf([{ tar: await tarBytes([{ name: 'etc/hostname', data: 'referenced' }]) }]);
    const archive = await layoutTar(indexJson, blobs, [
      { name: `blobs/sha256/${'e'.repeat(64)}`, data: Buffer.alloc(JUNK) },
      { name: 'junk/zeros', data: Buffer.alloc(JUNK) },
    ]);
    const sink = new CountingSink();
    const contents = await readArchive(Readable.from([archive]), sink, { where: 'junk.tar' });
    const referenced = blobs.reduce((n, b) => n + b.bytes.length, 0);
    expect(sink.written).toBeLessThan(referenced + 4096);
    for (const b of blobs) expect(contents.blobs.get(b.desc.digest)).toBe(b.desc.size);
    expect(contents.blobs.has(`sha256:${'e'.repeat(64)}`)).toBe(false);
    expect(contents.blobs.has(digestOf(Buffer.alloc(JUNK)))).toBe(false);
  });

  it('still writes everything when index.json comes last (nothing is known to be unreferenced yet)', async () => {
    const { blobs, indexJson } = imageOf([{ tar: await tarBytes([{ name: 'etc/hostname', data: 'late index' }]) }]);
    const archive = await tarBytes([
      ...blobs.map((b) => ({ name: `blobs/sha256/${b.desc.digest.slice(7)}`, data: b.bytes })),
      { name: 'index.json', data: indexJson },
      { name: 'oci-layout', data: '{"imageLayoutVersion":"1.0.0"}' },
    ]);
    const contents = await readArchive(Readable.from([archive]), new MemoryContent(), { where: 'late.tar' });
    for (const b of blobs) expect(contents.blobs.get(b.desc.digest)).toBe(b.desc.size);
  });
});
