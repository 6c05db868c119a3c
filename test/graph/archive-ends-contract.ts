import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ArchiveContents } from '../../src/archive/read/index.js';
import { ArchiveWriter, blobPath } from '../../src/archive/write/index.js';
import { isFerryError } from '../../src/errors.js';
import type { Descriptor } from '../../src/oci/descriptor.js';
import { digestOf } from '../../src/oci/digest.js';
import type { ContentSource, ContentTarget } from '../../src/oci/transport.js';
import { BufferSink } from '../archive/write/write-helpers.js';
import { readTar, streamToBuffer, type ReadTarEntry } from '../helpers/tar.js';
import { failingAfter, layer, oddChunks } from './content-contract.js';

/** A holding area for the archive writer, fresh for each test; `close` drops whatever it made. */
export interface HoldingUnderTest {
  holding: ContentSource & ContentTarget;
  close(): Promise<void>;
}

/** The tar the writer commits for `blobs` (no images: the contract is about blob entries). */
async function committed(writer: ArchiveWriter, blobs: Descriptor[]): Promise<ReadTarEntry[]> {
  const out = new BufferSink();
  await writer.commit(out, { images: [], blobs });
  return readTar(out.bytes());
}

const entriesOf = (tar: ReadTarEntry[], desc: Descriptor) => tar.filter((e) => e.name === blobPath(desc.digest));

/**
 * The archive writer's contract, for every holding area it can be given: what is written is in the tar, byte for
 * byte, under blobs/<alg>/<hex>, once however often it was written; `has` is true once written; a refused write
 * (bytes that do not match, a short or failing stream) leaves no entry; a blob never written fails the commit
 * before any byte goes out.
 */
export function archiveWriterContract(name: string, open: () => Promise<HoldingUnderTest>): void {
  const withWriter = (test: (writer: ArchiveWriter) => Promise<void>) => async () => {
    const under = await open();
    try {
      await test(new ArchiveWriter(under.holding));
    } finally {
      await under.close();
    }
  };

  describe(`archive writer contract: holding in ${name}`, () => {
    it(
      'puts a 4 MiB blob written in odd chunk sizes in the tar byte for byte, under blobs/sha256/<hex>',
      withWriter(async (writer) => {
        const bytes = randomBytes(4 * 1024 * 1024);
        const desc = layer(bytes);
        expect(await writer.has(desc)).toBe(false);
        await writer.write(desc, oddChunks(bytes));
        expect(await writer.has(desc)).toBe(true);
        const [entry, ...more] = entriesOf(await committed(writer, [desc]), desc);
        expect(more).toEqual([]);
        expect(entry!.name).toBe(`blobs/sha256/${desc.digest.slice('sha256:'.length)}`);
        expect(digestOf(entry!.data)).toBe(desc.digest);
        expect(entry!.data.equals(bytes)).toBe(true);
      }),
    );

    it(
      'writes a blob written twice, and listed twice, once',
      withWriter(async (writer) => {
        const bytes = randomBytes(20_000);
        const desc = layer(bytes);
        await writer.write(desc, Readable.from([bytes]));
        await writer.write(desc, Readable.from([bytes]));
        const tar = await committed(writer, [desc, desc]);
        expect(entriesOf(tar, desc).map((e) => e.data.equals(bytes))).toEqual([true]);
      }),
    );

    it.each([
      { what: 'bytes that do not match the digest', bad: (bytes: Buffer) => ({ desc: { ...layer(bytes), digest: digestOf(Buffer.from('else')) }, stream: Readable.from([bytes]) }) },
      { what: 'a stream shorter than the descriptor', bad: (bytes: Buffer) => ({ desc: layer(bytes), stream: Readable.from([bytes.subarray(0, 100_000)]) }) },
      { what: 'a stream that fails', bad: (bytes: Buffer) => ({ desc: layer(bytes), stream: failingAfter(bytes.subarray(0, 100_000)) }) },
    ])('refuses $what and leaves no entry for it', async ({ bad }) => {
      await withWriter(async (writer) => {
        const bytes = randomBytes(300_000);
        const refused = bad(bytes);
        await expect(writer.write(refused.desc, refused.stream)).rejects.toThrow();
        expect(await writer.has(refused.desc)).toBe(false);
        const good = Buffer.from('a blob that was written');
        await writer.write(layer(good), Readable.from([good]));
        const tar = await committed(writer, [layer(good)]);
        expect(tar.filter((e) => e.type === 'file' && e.name.startsWith('blobs/')).map((e) => e.name)).toEqual([blobPath(layer(good).digest)]);
        expect(tar.some((e) => e.data.includes(bytes.subarray(0, 64)))).toBe(false);
      })();
    });

    it(
      'fails a commit naming a blob never written with ERR_BLOB_MISSING, before any byte goes out',
      withWriter(async (writer) => {
        const absent = layer(randomBytes(1000));
        const out = new BufferSink();
        const err = await writer.commit(out, { images: [], blobs: [absent] }).catch((e: unknown) => e);
        expect(isFerryError(err, 'ERR_BLOB_MISSING'), String(err)).toBe(true);
        expect(out.bytes().length).toBe(0);
      }),
    );
  });
}

/** An archive once read, with the sink it was read into; `close` drops whatever it made. */
export interface StagedUnderTest {
  source: ContentSource;
  /** The blobs the archive carried, as the test wrote them into its tar: what the source must serve. */
  carried: Buffer[];
  contents: ArchiveContents;
  /** A blob the sink holds that the archive did not carry. */
  foreign: Descriptor;
  close(): Promise<void>;
}

/**
 * The staged archive's contract: every blob the archive carried is there and fetched byte for byte; a blob the
 * sink holds from elsewhere is not; a descriptor with the right digest and the wrong size is not.
 */
export function stagedArchiveContract(name: string, open: () => Promise<StagedUnderTest>): void {
  const withArchive = (test: (under: StagedUnderTest) => Promise<void>) => async () => {
    const under = await open();
    try {
      await test(under);
    } finally {
      await under.close();
    }
  };

  describe(`staged archive contract: ${name}`, () => {
    it(
      'holds every blob the tar carried, fetched byte for byte',
      withArchive(async ({ source, carried }) => {
        expect(carried.length).toBeGreaterThanOrEqual(3);
        for (const bytes of carried) {
          const desc = { mediaType: 'application/octet-stream', digest: digestOf(bytes), size: bytes.length };
          expect(await source.has(desc)).toBe(true);
          expect((await streamToBuffer(await source.fetch(desc))).equals(bytes)).toBe(true);
        }
      }),
    );

    it(
      'serves every blob its contents list, each matching its digest',
      withArchive(async ({ source, contents }) => {
        for (const [digest, size] of contents.blobs) {
          const bytes = await streamToBuffer(await source.fetch({ mediaType: 'application/octet-stream', digest, size }));
          expect(digestOf(bytes)).toBe(digest);
          expect(bytes.length).toBe(size);
        }
      }),
    );

    it(
      'does not hold a blob its sink got from elsewhere, and fails to fetch it with ERR_BLOB_MISSING',
      withArchive(async ({ source, foreign }) => {
        expect(await source.has(foreign)).toBe(false);
        const err = await source.fetch(foreign).catch((e: unknown) => e);
        expect(isFerryError(err, 'ERR_BLOB_MISSING'), String(err)).toBe(true);
      }),
    );

    it(
      'does not hold a blob under a descriptor of another size',
      withArchive(async ({ source, contents }) => {
        const [digest, size] = [...contents.blobs][0]!;
        expect(await source.has({ mediaType: 'application/octet-stream', digest, size: size + 1 })).toBe(false);
        expect(isFerryError(await source.fetch({ mediaType: 'application/octet-stream', digest, size: size + 1 }).catch((e: unknown) => e), 'ERR_BLOB_MISSING')).toBe(true);
      }),
    );
  });
}
