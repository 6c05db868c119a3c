import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { isFerryError } from '../../src/errors.js';
import type { Descriptor } from '../../src/oci/descriptor.js';
import { digestOf } from '../../src/oci/digest.js';
import { MediaType } from '../../src/oci/mediatypes.js';
import type { ContentSource, ContentTarget } from '../../src/oci/transport.js';
import { streamToBuffer } from '../helpers/tar.js';

/** An end under test, fresh for each test; `close` drops whatever it made. */
export interface EndUnderTest {
  end: ContentSource & ContentTarget;
  close(): Promise<void>;
}

export const layer = (bytes: Buffer): Descriptor => ({ mediaType: MediaType.ociLayerGzip, digest: digestOf(bytes), size: bytes.length });

/** `bytes` in pieces of odd sizes, as a network or a tar reader hands them out. */
export function oddChunks(bytes: Buffer): Readable {
  const pieces: Buffer[] = [];
  for (let at = 0, n = 1; at < bytes.length; at += n, n = (n * 7 + 3) % 65_521 || 1) pieces.push(bytes.subarray(at, at + n));
  return Readable.from(pieces);
}

/** A stream that gives `head`, then fails, as a connection that drops. */
export function failingAfter(head: Buffer): Readable {
  return Readable.from(
    (async function* () {
      yield head;
      throw new Error('connection reset');
    })(),
  );
}

/**
 * The content contract every ferry end keeps (containerd runs one ContentSuite against every content store):
 * what is written is what is fetched, byte for byte; `has` tells the truth; a write whose bytes do not match the
 * descriptor, or whose stream fails, is refused and leaves nothing behind.
 */
export function contentContract(name: string, open: () => Promise<EndUnderTest>): void {
  const withEnd = (test: (end: ContentSource & ContentTarget) => Promise<void>) => async () => {
    const under = await open();
    try {
      await test(under.end);
    } finally {
      await under.close();
    }
  };

  describe(`content contract: ${name}`, () => {
    it(
      'fetches exactly what was written, for a 4 MiB blob written in odd chunk sizes',
      withEnd(async (end) => {
        const bytes = randomBytes(4 * 1024 * 1024);
        const desc = layer(bytes);
        expect(await end.has(desc)).toBe(false);
        await end.write(desc, oddChunks(bytes));
        expect(await end.has(desc)).toBe(true);
        expect((await streamToBuffer(await end.fetch(desc))).equals(bytes)).toBe(true);
      }),
    );

    it(
      'refuses bytes that do not match the digest, and keeps nothing',
      withEnd(async (end) => {
        const bytes = randomBytes(300_000);
        const claimed = { ...layer(bytes), digest: digestOf(Buffer.from('something else')) };
        const err = await end.write(claimed, Readable.from([bytes])).then(() => undefined, (e: unknown) => e);
        expect(isFerryError(err), String(err)).toBe(true);
        expect(await end.has(claimed)).toBe(false);
        expect(await end.has(layer(bytes))).toBe(false);
      }),
    );

    it(
      'refuses a blob shorter than its descriptor says, and keeps nothing',
      withEnd(async (end) => {
        const bytes = randomBytes(200_000);
        const desc = layer(bytes);
        const err = await end.write(desc, Readable.from([bytes.subarray(0, 150_000)])).then(() => undefined, (e: unknown) => e);
        expect(isFerryError(err), String(err)).toBe(true);
        expect(await end.has(desc)).toBe(false);
      }),
    );

    it(
      'passes a failing stream on as a failed write, and keeps nothing',
      withEnd(async (end) => {
        const bytes = randomBytes(500_000);
        const desc = layer(bytes);
        await expect(end.write(desc, failingAfter(bytes.subarray(0, 100_000)))).rejects.toThrow();
        expect(await end.has(desc)).toBe(false);
      }),
    );

    it(
      'fails to fetch what it does not hold',
      withEnd(async (end) => {
        const desc = layer(randomBytes(1000));
        const err = await end.fetch(desc).then(
          (stream) => streamToBuffer(stream).then(() => undefined),
          (e: unknown) => e,
        );
        expect(err).toBeDefined();
      }),
    );

    it(
      'writing a blob it already holds is harmless',
      withEnd(async (end) => {
        const bytes = randomBytes(10_000);
        const desc = layer(bytes);
        await end.write(desc, Readable.from([bytes]));
        await end.write(desc, Readable.from([bytes]));
        expect((await streamToBuffer(await end.fetch(desc))).equals(bytes)).toBe(true);
      }),
    );
  });
}
