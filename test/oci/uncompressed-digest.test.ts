import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { isFerryError } from '../../src/errors.js';
import { digestOf } from '../../src/oci/digest.js';
import { UncompressedDigestTap, type UncompressedDigest } from '../../src/oci/uncompressed-digest.js';
import { compress } from '../helpers/image-builder.js';

/** Odd chunk sizes, some below the sniff length, fed with a pause now and then. */
async function* oddChunks(bytes: Buffer): AsyncGenerator<Buffer> {
  const sizes = [1, 3, 7, 4099, 65_537, 2, 131_071];
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const size = sizes[i % sizes.length]!;
    yield bytes.subarray(at, at + size);
    at += size;
    if (i % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
}

async function tap(bytes: Buffer, opts: { ratio?: number; floor?: number } = {}): Promise<{ passed: Buffer; result: UncompressedDigest }> {
  const stream = new UncompressedDigestTap({ where: 'blob under test', ratio: opts.ratio ?? 1000, ...(opts.floor === undefined ? {} : { floor: opts.floor }) });
  const out: Buffer[] = [];
  // A slow reader downstream: the tap's side must not lose bytes while the main stream waits.
  await pipeline(Readable.from(oddChunks(bytes)), stream, new Writable({ highWaterMark: 1024, write: (chunk: Buffer, _e, done) => (out.push(chunk), setImmediate(done)) }));
  return { passed: Buffer.concat(out), result: stream.result };
}

describe('UncompressedDigestTap', () => {
  // Half random, half text: a layer that compresses like a real one, a few MiB uncompressed.
  const tar = Buffer.concat([randomBytes(2 * 1024 * 1024), Buffer.from('a line of a text file\n'.repeat(100_000))]);

  it.each(['gzip', 'zstd'] as const)('passes a %s blob through unchanged and digests what it decompresses to', async (kind) => {
    const blob = compress(tar, kind);
    const { passed, result } = await tap(blob);
    expect(passed.equals(blob)).toBe(true);
    expect(result).toEqual({ compression: kind, digest: digestOf(tar) });
  });

  it.each([
    ['a plain tar', tar],
    ['a blob shorter than the sniff length', Buffer.from('{}')],
    ['an empty blob', Buffer.alloc(0)],
  ])('reports %s as uncompressed (its digest is its own)', async (_what, bytes) => {
    const { passed, result } = await tap(bytes);
    expect(passed.equals(bytes)).toBe(true);
    expect(result).toEqual({ compression: 'none' });
  });

  it('keeps a corrupt gzip stream as an error outcome and still passes every byte', async () => {
    const blob = compress(tar, 'gzip');
    blob.fill(0x55, 1000, 2000);
    const { passed, result } = await tap(blob);
    expect(passed.equals(blob)).toBe(true);
    expect('error' in result && result.compression).toBe('gzip');
  });

  it('stops decompressing past the bomb limit (ERR_TOO_LARGE), the blob itself still passing', async () => {
    const zeros = compress(Buffer.alloc(8 * 1024 * 1024), 'gzip');
    const { passed, result } = await tap(zeros, { ratio: 10, floor: 1024 * 1024 });
    expect(passed.equals(zeros)).toBe(true);
    expect('error' in result && isFerryError(result.error, 'ERR_TOO_LARGE')).toBe(true);
  });

  it('reports xz content as unsupported', async () => {
    const xz = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 1, 2, 3, 4, 5, 6]);
    const { result } = await tap(xz);
    expect('error' in result && isFerryError(result.error, 'ERR_UNSUPPORTED')).toBe(true);
  });
});
