// zstd fixtures are made at test time with the zstd CLI (Debian package `zstd`), so they are real frames
// as other tools write them: with and without content size, several frames, skippable frames.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FerryError } from '../../src/errors.js';
import {
  availableZstdBackends,
  type Compression,
  createCompressor,
  createDecompressor,
  SNIFF_BYTES,
  sniffCompression,
  ZSTD_BACKEND_ENV,
  type ZstdBackend,
  zstdBackend,
  zstdCompressorBackend,
} from '../../src/oci/compression.js';
import { nodeZstd } from '../../src/oci/compression/zstd-backend.js';
import { ZSTD_ENV_NAME } from '../helpers/zstd-backends.js';

const ZSTD = '/usr/bin/zstd';

/** Deterministic, compressible text with enough variety to need several zstd blocks. */
function sampleData(size: number, seed = 1): Buffer {
  const words = ['layer', 'manifest', 'index', 'config', 'blob', 'digest', 'platform', 'arm64', 'amd64', 'whiteout'];
  let state = seed;
  const parts: string[] = [];
  let length = 0;
  while (length < size) {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    const word = `${words[state % words.length]}${state % 997} `;
    parts.push(word);
    length += word.length;
  }
  return Buffer.from(parts.join('')).subarray(0, size);
}

function chunked(buf: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size));
  return out;
}

async function decompress(kind: Compression, input: Buffer, chunkSize = 64 * 1024, where = 'layer.tar.zst'): Promise<Buffer> {
  const out: Buffer[] = [];
  await pipeline(
    Readable.from(chunked(input, chunkSize)),
    createDecompressor(kind, where),
    new Writable({
      write(chunk: Buffer, _e, done) {
        out.push(chunk);
        done();
      },
    }),
  );
  return Buffer.concat(out);
}

async function decompressError(kind: Compression, input: Buffer, where: string): Promise<FerryError> {
  const err = await decompress(kind, input, 4096, where).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FerryError);
  return err as FerryError;
}

/** A skippable frame (magic 0x184D2A5x, little-endian length, payload), as used for seekable-zstd metadata. */
function skippableFrame(nibble: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32LE(0x184d2a50 + nibble, 0);
  header.writeUInt32LE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

describe('sniffCompression', () => {
  it.each([
    ['gzip', [0x1f, 0x8b, 0x08, 0x00], 'gzip'],
    ['zstd frame', [0x28, 0xb5, 0x2f, 0xfd], 'zstd'],
    ['first skippable frame magic', [0x50, 0x2a, 0x4d, 0x18], 'zstd'],
    ['last skippable frame magic', [0x5f, 0x2a, 0x4d, 0x18], 'zstd'],
    ['just below the skippable range', [0x4f, 0x2a, 0x4d, 0x18], 'none'],
    ['just above the skippable range', [0x60, 0x2a, 0x4d, 0x18], 'none'],
    ['a tar header', [...Buffer.from('etc/')], 'none'],
    ['JSON', [...Buffer.from('{"sc')], 'none'],
    ['half a zstd magic', [0x28, 0xb5], 'none'],
    ['half a skippable magic', [0x50, 0x2a], 'none'],
    ['one gzip byte', [0x1f], 'none'],
    ['nothing', [], 'none'],
    ['bzip2', [...Buffer.from('BZh9')], 'none'],
  ])('%s', (_what, head, expected) => {
    expect(sniffCompression(Uint8Array.from(head))).toBe(expected);
  });

  it('needs no more than SNIFF_BYTES', () => {
    // 4 for gzip and zstd; 10 to tell a bzip2 stream from a tar whose first name starts with "BZh".
    expect(SNIFF_BYTES).toBe(10);
  });
});

describe('none', () => {
  it('passes bytes through unchanged', async () => {
    const data = sampleData(100_000);
    expect((await decompress('none', data, 999)).equals(data)).toBe(true);
  });
});

describe('gzip', () => {
  const data = sampleData(1_500_000);
  const gz = zlib.gzipSync(data);

  it.each([1_000, 65_536, gz.length])('round-trips in %i-byte chunks', async (chunkSize) => {
    expect(sniffCompression(gz)).toBe('gzip');
    expect((await decompress('gzip', gz, chunkSize)).equals(data)).toBe(true);
  });

  it('reads every member of a multi-member file', async () => {
    const second = sampleData(10_000, 7);
    expect((await decompress('gzip', Buffer.concat([gz, zlib.gzipSync(second)]))).equals(Buffer.concat([data, second]))).toBe(true);
  });

  it.each([10, 1000, gz.length / 2, gz.length - 1].map(Math.floor))('truncated after %i bytes → ERR_TRUNCATED', async (cut) => {
    const err = await decompressError('gzip', gz.subarray(0, cut), 'image.tar.gz');
    expect(err).toMatchObject({ code: 'ERR_TRUNCATED', path: 'image.tar.gz' });
    expect(err.message).toContain('image.tar.gz');
    expect(err.hint).toBeTruthy();
  });

  it('a wrong checksum → ERR_INVALID_DOCUMENT', async () => {
    const bad = Buffer.from(gz);
    bad[bad.length - 8]! ^= 0xff; // CRC32 in the trailer
    expect(await decompressError('gzip', bad, 'image.tar.gz')).toMatchObject({ code: 'ERR_INVALID_DOCUMENT', path: 'image.tar.gz' });
  });
});


/** Runs the enclosed tests with FERRY_ZSTD_BACKEND forcing `backend`, restoring the variable afterwards. */
function forceBackend(backend: ZstdBackend): void {
  let saved: string | undefined;
  beforeAll(() => {
    saved = process.env[ZSTD_BACKEND_ENV];
    process.env[ZSTD_BACKEND_ENV] = ZSTD_ENV_NAME[backend];
  });
  afterAll(() => {
    if (saved === undefined) delete process.env[ZSTD_BACKEND_ENV];
    else process.env[ZSTD_BACKEND_ENV] = saved;
  });
}

describe.each(availableZstdBackends())('zstd decompression (backend: %s)', (backend) => {
  forceBackend(backend);
  let dir: string;
  const data = sampleData(1_500_000);
  const other = sampleData(300_000, 42);
  const small = sampleData(20_000, 3);
  const fixtures: Record<string, Buffer> = {};

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ferry-zstd-'));
    writeFileSync(join(dir, 'data'), data);
    writeFileSync(join(dir, 'other'), other);
    writeFileSync(join(dir, 'empty'), Buffer.alloc(0));
    writeFileSync(join(dir, 'small'), small);
    const zstd = (args: string[], input?: Buffer) => execFileSync(ZSTD, ['-q', '-c', ...args], input === undefined ? {} : { input });
    fixtures.withSize = zstd([join(dir, 'data')]);
    fixtures.noSize = zstd(['--no-content-size', join(dir, 'data')]);
    fixtures.fromStdin = zstd([], data);
    fixtures.other = zstd(['-19', join(dir, 'other')]);
    fixtures.empty = zstd([join(dir, 'empty')]);
    fixtures.small = zstd([join(dir, 'small')]);
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('is the backend in use', () => {
    expect(zstdBackend()).toBe(backend);
  });

  /** Frame_Header_Descriptor: content-size flag (bits 7–6) and single-segment flag (bit 5). */
  const hasContentSize = (frame: Buffer) => ((frame[4]! >> 6) & 3) !== 0 || ((frame[4]! >> 5) & 1) === 1;

  it('decompresses a frame with content size', async () => {
    expect(hasContentSize(fixtures.withSize!)).toBe(true);
    expect((await decompress('zstd', fixtures.withSize!)).equals(data)).toBe(true);
  });

  it('decompresses a frame without content size (--no-content-size)', async () => {
    expect(hasContentSize(fixtures.noSize!)).toBe(false);
    expect((await decompress('zstd', fixtures.noSize!)).equals(data)).toBe(true);
  });

  it('decompresses a frame streamed from stdin', async () => {
    expect(hasContentSize(fixtures.fromStdin!)).toBe(false);
    expect((await decompress('zstd', fixtures.fromStdin!)).equals(data)).toBe(true);
  });

  it('decompresses several concatenated frames into their concatenation', async () => {
    const input = Buffer.concat([fixtures.withSize!, fixtures.other!, fixtures.noSize!]);
    expect((await decompress('zstd', input)).equals(Buffer.concat([data, other, data]))).toBe(true);
  });

  it('skips a leading skippable frame, and one between frames', async () => {
    const input = Buffer.concat([skippableFrame(0, Buffer.from('seekable table')), fixtures.other!, skippableFrame(0xf, Buffer.alloc(3000, 7)), fixtures.noSize!]);
    expect(sniffCompression(input)).toBe('zstd');
    expect((await decompress('zstd', input)).equals(Buffer.concat([other, data]))).toBe(true);
  });

  it('decompresses an empty frame to nothing', async () => {
    expect((await decompress('zstd', fixtures.empty!)).length).toBe(0);
  });

  it.each([1, 7, 4096])('handles chunk boundaries anywhere (%i-byte chunks)', async (chunkSize) => {
    const input = Buffer.concat([skippableFrame(1, Buffer.from('x')), fixtures.empty!, fixtures.small!, fixtures.small!]);
    expect((await decompress('zstd', input, chunkSize)).equals(Buffer.concat([small, small]))).toBe(true);
  });

  it.each([
    ['inside the frame header', 5],
    ['inside the first block', 1000],
    ['half way', 0.5],
    ['before the checksum', -4],
    ['inside the checksum', -1],
  ])('truncated %s → ERR_TRUNCATED', async (_where, at) => {
    const frame = fixtures.withSize!;
    const cut = at > 0 && at < 1 ? Math.floor(frame.length * at) : at < 0 ? frame.length + at : at;
    const err = await decompressError('zstd', frame.subarray(0, cut), 'layer.tar.zst');
    expect(err).toMatchObject({ code: 'ERR_TRUNCATED', path: 'layer.tar.zst' });
    expect(err.message).toContain('layer.tar.zst');
  });

  it('keeps memory bounded when a small chunk expands hugely (zstd bomb)', async () => {
    const size = 64 * 1024 * 1024;
    const bomb = execFileSync(ZSTD, ['-q', '-c'], { input: Buffer.alloc(size) });
    expect(bomb.length).toBeLessThan(8192);
    const decompressor = createDecompressor('zstd', 'bomb.zst');
    // Bytes the decoder has pushed that the reader has not taken yet (readableLength counts chunks for some backends).
    let pushed = 0;
    const push = decompressor.push.bind(decompressor);
    decompressor.push = (chunk: unknown, encoding?: BufferEncoding) => {
      if (chunk instanceof Uint8Array) pushed += chunk.length;
      return push(chunk, encoding);
    };
    let received = 0;
    let maxBuffered = 0;
    await pipeline(
      Readable.from([bomb]),
      decompressor,
      new Writable({
        write(chunk: Buffer, _e, done) {
          received += chunk.length;
          maxBuffered = Math.max(maxBuffered, pushed - received);
          setImmediate(done);
        },
      }),
    );
    expect(received).toBe(size);
    expect(maxBuffered).toBeLessThan(24 * 1024 * 1024);
  });

  it('corrupt data → FerryError', async () => {
    const bad = Buffer.concat([fixtures.withSize!.subarray(0, 6), Buffer.alloc(5000, 0xff)]);
    const err = await decompressError('zstd', bad, 'layer.tar.zst');
    expect(['ERR_INVALID_DOCUMENT', 'ERR_TRUNCATED']).toContain(err.code);
    expect(err.path).toBe('layer.tar.zst');
  });
});

describe('zstd backend choice', () => {
  it('always has the pure-JS decoder, last', () => {
    expect(availableZstdBackends().at(-1)).toBe('fzstd');
  });

  describe('forced to js', () => {
    forceBackend('fzstd');
    it('decodes with fzstd and refuses to compress zstd, saying what to do', () => {
      expect(zstdBackend()).toBe('fzstd');
      expect(zstdCompressorBackend()).toBeUndefined();
      expect(() => createCompressor('zstd', 'out.tar')).toThrow(
        expect.objectContaining({ code: 'ERR_UNSUPPORTED', path: 'out.tar', message: expect.stringContaining('FERRY_ZSTD_BACKEND=js'), hint: expect.stringContaining('gzip') }),
      );
    });
  });

  describe.runIf(nodeZstd() === undefined)('Node without zlib zstd and no zstd program on PATH', () => {
    let empty: string;
    let savedPath: string | undefined;
    let savedBackend: string | undefined;
    beforeAll(() => {
      empty = mkdtempSync(join(tmpdir(), 'ferry-no-zstd-'));
      savedPath = process.env.PATH;
      savedBackend = process.env[ZSTD_BACKEND_ENV];
      process.env.PATH = empty;
      delete process.env[ZSTD_BACKEND_ENV];
    });
    afterAll(() => {
      process.env.PATH = savedPath;
      if (savedBackend !== undefined) process.env[ZSTD_BACKEND_ENV] = savedBackend;
      rmSync(empty, { recursive: true, force: true });
    });

    it('decodes with fzstd; asking for zstd compression is one ERR_UNSUPPORTED: use gzip, Node 22.15, or the zstd package', () => {
      expect(zstdBackend()).toBe('fzstd');
      expect(zstdCompressorBackend()).toBeUndefined();
      let thrown: unknown;
      try {
        createCompressor('zstd', 'layer sha256:abc');
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(FerryError);
      const err = thrown as FerryError;
      expect(err).toMatchObject({ code: 'ERR_UNSUPPORTED', path: 'layer sha256:abc' });
      expect(err.message).toContain(`Node ${process.versions.node} has no zlib zstd and the zstd program is not on PATH`);
      expect(err.hint).toMatch(/^use gzip, run ferry on Node 22\.15 or later, or install the zstd package/);
      expect(err.toLine()).not.toContain('\n');
    });
  });

  // napi named the zstd-napi binding, which ferry no longer has; toString is no backend either.
  it.each(['napi', 'zlib', 'NODE', 'fast', 'toString'])('an unknown value (%s) is a usage error listing the three', (value) => {
    const saved = process.env[ZSTD_BACKEND_ENV];
    process.env[ZSTD_BACKEND_ENV] = value;
    try {
      expect(() => createDecompressor('zstd')).toThrow(expect.objectContaining({ code: 'ERR_USAGE', hint: expect.stringContaining('node, cli or js') }));
    } finally {
      if (saved === undefined) delete process.env[ZSTD_BACKEND_ENV];
      else process.env[ZSTD_BACKEND_ENV] = saved;
    }
  });
});

const compressors = availableZstdBackends().filter((b) => b !== 'fzstd');

describe.each(compressors)('zstd compression (backend: %s)', (backend) => {
  forceBackend(backend);
  const data = sampleData(2_000_000, 9);

  async function compress(input: Buffer, chunkSize: number): Promise<Buffer> {
    const out: Buffer[] = [];
    await pipeline(
      Readable.from([Buffer.alloc(0), ...chunked(input, chunkSize), Buffer.alloc(0)]),
      createCompressor('zstd'),
      new Writable({
        write(chunk: Buffer, _e, done) {
          out.push(chunk);
          done();
        },
      }),
    );
    return Buffer.concat(out);
  }

  it.each([1000, 65_536])('writes frames the zstd CLI and every decoder read back (%i-byte chunks, empty chunks around)', async (chunkSize) => {
    const zst = await compress(data, chunkSize);
    expect(sniffCompression(zst)).toBe('zstd');
    expect(zst.length).toBeLessThan(data.length / 2);
    expect(execFileSync(ZSTD, ['-q', '-d', '-c'], { input: zst, maxBuffer: 1 << 26 }).equals(data)).toBe(true);
    for (const decoder of availableZstdBackends()) {
      process.env[ZSTD_BACKEND_ENV] = ZSTD_ENV_NAME[decoder];
      expect((await decompress('zstd', zst)).equals(data), decoder).toBe(true);
    }
    process.env[ZSTD_BACKEND_ENV] = ZSTD_ENV_NAME[backend];
  });

  it('compresses nothing to a valid empty frame', async () => {
    const zst = await compress(Buffer.alloc(0), 1);
    expect(execFileSync(ZSTD, ['-q', '-d', '-c'], { input: zst }).length).toBe(0);
  });
});

describe('gzip compression', () => {
  it('round-trips through gunzip', async () => {
    const data = sampleData(300_000, 5);
    const out: Buffer[] = [];
    await pipeline(Readable.from(chunked(data, 10_000)), createCompressor('gzip'), async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) out.push(chunk);
    });
    expect(zlib.gunzipSync(Buffer.concat(out)).equals(data)).toBe(true);
  });
});
