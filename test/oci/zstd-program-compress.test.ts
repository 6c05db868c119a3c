// zstd compression through the zstd program (Debian package `zstd`), ferry's compressor on a Node without zlib
// zstd (FERRY_ZSTD_BACKEND=cli forces it on any Node). What is particular to a child process: the argv and the
// environment are fixed (ZSTD_CLEVEL / ZSTD_NBTHREADS cannot change the bytes), backpressure through the pipes,
// the child killed and reaped when the consumer stops, and a program that dies mid-stream failing the stream
// with ERR_PROGRAM — never a hang, never a short blob that looks whole.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FerryError } from '../../src/errors.js';
import { createCompressor, createDecompressor, ZSTD_BACKEND_ENV, zstdCompressorBackend } from '../../src/oci/compression.js';
import { ProgramStage } from '../../src/oci/compression/program-stage.js';
import { expectConsumerStopKillsProgram, withEnv } from '../helpers/program-stage.js';
import { mixedBytes } from '../helpers/realistic-image.js';

const ZSTD = '/usr/bin/zstd';
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** `input` cut in sizes from 1 byte to 200 KB, as a network or a tar reader hands it over. */
function oddChunks(input: Buffer, seed = 7): Buffer[] {
  const out: Buffer[] = [];
  let state = seed;
  for (let at = 0; at < input.length; ) {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    const size = 1 + (state % 200_000);
    out.push(input.subarray(at, at + size));
    at += size;
  }
  return out;
}



/** Compresses `chunks` with ferry's zstd compressor in force; resolves to the output, or rejects. */
async function compress(chunks: Buffer[], where = 'layer sha256:0123'): Promise<Buffer> {
  const out: Buffer[] = [];
  await pipeline(
    Readable.from(chunks),
    createCompressor('zstd', where),
    new Writable({
      write(chunk: Buffer, _e, done) {
        out.push(chunk);
        done();
      },
    }),
  );
  return Buffer.concat(out);
}

async function decodeWith(backend: 'cli' | 'js', zst: Buffer): Promise<Buffer> {
  const restore = withEnv(ZSTD_BACKEND_ENV, backend);
  try {
    const out: Buffer[] = [];
    await pipeline(Readable.from(oddChunks(zst, 3)), createDecompressor('zstd', 'out.zst'), async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) out.push(chunk);
    });
    return Buffer.concat(out);
  } finally {
    restore();
  }
}

/** Frame_Header_Descriptor bit 2: a content checksum (XXH64) ends the frame. */
const hasChecksumFlag = (frame: Buffer) => ((frame[4]! >> 2) & 1) === 1;

describe('zstd compression through the zstd program', { timeout: 120_000 }, () => {
  let restore: () => void;
  let data: Buffer;
  let zst: Buffer;
  beforeAll(async () => {
    restore = withEnv(ZSTD_BACKEND_ENV, 'cli');
    // 24 MiB of half text, half random: several MB of output, 128 KiB blocks of both kinds.
    data = mixedBytes(24 * 1024 * 1024, 11);
    zst = await compress(oddChunks(data));
  });
  afterAll(() => restore());

  it('is the compressor in use, and is a child-process stage', () => {
    expect(zstdCompressorBackend()).toBe('zstd-cli');
    expect(createCompressor('zstd')).toBeInstanceOf(ProgramStage);
  });

  it('round-trips 24 MiB fed in odd chunks: zstd -dc, fzstd and the program read back the same bytes', async () => {
    expect(zst.length).toBeLessThan(data.length * 0.6);
    expect(zst.length).toBeGreaterThan(4 * 1024 * 1024);
    expect(sha(execFileSync(ZSTD, ['-dc'], { input: zst, maxBuffer: 1 << 30 }))).toBe(sha(data));
    expect(sha(await decodeWith('js', zst))).toBe(sha(data));
    expect(sha(await decodeWith('cli', zst))).toBe(sha(data));
  });

  it('writes one frame with a content checksum (XXH64), as the node:zlib compressor does', () => {
    expect(hasChecksumFlag(zst)).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'ferry-zstd-list-'));
    try {
      writeFileSync(join(dir, 'out.zst'), zst);
      const listing = execFileSync(ZSTD, ['-lv', join(dir, 'out.zst')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      expect(listing).toMatch(/# Zstandard Frames: 1\b/);
      expect(listing).toMatch(/Check: XXH64/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes exactly what `zstd -3 --check --single-thread` writes (level 3, single-threaded, from a stream)', () => {
    const direct = execFileSync(ZSTD, ['-3', '--check', '--single-thread', '-q', '-c'], { input: data, maxBuffer: 1 << 30 });
    expect(sha(zst)).toBe(sha(direct));
  });

  it('ZSTD_CLEVEL=19 and ZSTD_NBTHREADS=2 in the environment do not change the bytes', async () => {
    const part = data.subarray(0, 6 * 1024 * 1024);
    const plain = await compress(oddChunks(part));
    // The variables do change what a bare `zstd -c` writes, so the test would see them reach the child.
    const bare = (env: NodeJS.ProcessEnv) => execFileSync(ZSTD, ['-q', '-c'], { input: part, env: { ...process.env, ...env }, maxBuffer: 1 << 30 });
    expect(sha(bare({ ZSTD_CLEVEL: '19', ZSTD_NBTHREADS: '2' }))).not.toBe(sha(bare({})));
    const restoreLevel = withEnv('ZSTD_CLEVEL', '19');
    const restoreThreads = withEnv('ZSTD_NBTHREADS', '2');
    try {
      expect(sha(await compress(oddChunks(part)))).toBe(sha(plain));
    } finally {
      restoreThreads();
      restoreLevel();
    }
  });

  it('compresses no input to a valid empty frame with its checksum (the program runs anyway)', async () => {
    const empty = await compress([Buffer.alloc(0)]);
    expect(hasChecksumFlag(empty)).toBe(true);
    expect(execFileSync(ZSTD, ['-dc'], { input: empty }).length).toBe(0);
    expect((await decodeWith('js', empty)).length).toBe(0);
  });

  it('holds backpressure for a consumer that stalls: little input is taken while it waits', async () => {
    // Incompressible input: output is as large as input, so what sits in pipes and buffers is easy to bound.
    const random = randomBytes(24 * 1024 * 1024);
    const stage = createCompressor('zstd', 'slow.zst');
    let given = 0;
    let givenDuringStall = 0;
    let writes = 0;
    const out: Buffer[] = [];
    await pipeline(
      Readable.from(
        (function* () {
          for (let at = 0; at < random.length; at += 64 * 1024) {
            given += 64 * 1024;
            yield random.subarray(at, at + 64 * 1024);
          }
        })(),
      ),
      stage,
      new Writable({
        highWaterMark: 64 * 1024,
        write(chunk: Buffer, _e, done) {
          out.push(chunk);
          writes += 1;
          // Stalls for 400 ms on its first chunk, then reads slowly for a while, then at full speed.
          if (writes === 1) {
            setTimeout(() => {
              givenDuringStall = given;
              done();
            }, 400);
          } else if (writes < 40) setTimeout(done, 2);
          else done();
        },
      }),
    );
    expect(sha(execFileSync(ZSTD, ['-dc'], { input: Buffer.concat(out), maxBuffer: 1 << 30 }))).toBe(sha(random));
    // The source's buffer (16 chunks), the pipes both ways, zstd's 128 KiB buffers and the stage's 256 KiB.
    expect(givenDuringStall).toBeGreaterThan(0);
    expect(givenDuringStall).toBeLessThan(4 * 1024 * 1024);
  });

  it('the consumer stopping early kills the program, which is reaped, and the pipeline settles with its error', async () => {
    await expectConsumerStopKillsProgram(createCompressor('zstd') as ProgramStage, oddChunks(data), 512 * 1024);
  });

  it('the program killed by someone else mid-stream: ERR_PROGRAM naming the blob, not a short blob', async () => {
    const stage = createCompressor('zstd', 'layer sha256:0123') as ProgramStage;
    let received = 0;
    const done = pipeline(
      Readable.from(oddChunks(data)),
      stage,
      new Writable({
        write(chunk: Buffer, _e, next) {
          if (received === 0) process.kill(stage.pid!, 'SIGKILL');
          received += chunk.length;
          setTimeout(next, 1);
        },
      }),
    );
    await expect(done).rejects.toMatchObject({ code: 'ERR_PROGRAM', path: 'layer sha256:0123', message: expect.stringContaining('killed by SIGKILL') });
    expect(received).toBeLessThan(zst.length);
  });
});

describe('a zstd program that fails mid-stream (a fake `zstd` first on PATH)', { timeout: 60_000 }, () => {
  let bin: string;
  let restoreBackend: () => void;
  beforeAll(() => {
    bin = mkdtempSync(join(tmpdir(), 'ferry-fake-zstd-'));
    restoreBackend = withEnv(ZSTD_BACKEND_ENV, 'cli');
  });
  afterAll(() => {
    restoreBackend();
    rmSync(bin, { recursive: true, force: true });
  });

  /** A `zstd` that answers the probe like 1.5.4, compresses the first MB of its input for real, then does `after`. */
  function fakeZstd(name: string, after: string): string {
    const dir = join(bin, name);
    execFileSync('mkdir', ['-p', dir]);
    const script = [
      '#!/bin/sh',
      'if [ "$1" = "--version" ]; then echo "*** Zstandard CLI (64-bit) v1.5.4, by Yann Collet ***"; exit 0; fi',
      `head -c 1000000 | ${ZSTD} -q -c`,
      after,
      '',
    ].join('\n');
    writeFileSync(join(dir, 'zstd'), script);
    chmodSync(join(dir, 'zstd'), 0o755);
    return `${dir}:${process.env.PATH}`;
  }

  async function failure(path: string): Promise<{ err: FerryError; received: number }> {
    const restorePath = withEnv('PATH', path);
    try {
      let received = 0;
      const err = await pipeline(
        Readable.from(oddChunks(mixedBytes(8 * 1024 * 1024, 4))),
        createCompressor('zstd', 'layer sha256:4567'),
        new Writable({
          write(chunk: Buffer, _e, next) {
            received += chunk.length;
            next();
          },
        }),
      ).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(FerryError);
      return { err: err as FerryError, received };
    } finally {
      restorePath();
    }
  }

  it('exits 70 with a message after writing part of a frame → ERR_PROGRAM with that message, the blob and a hint', async () => {
    const path = fakeZstd('enospc', 'echo "zstd: error 70 : Write error : cannot write block : No space left on device" >&2; exit 70');
    const { err, received } = await failure(path);
    expect(received).toBeGreaterThan(0);
    expect(err).toMatchObject({ code: 'ERR_PROGRAM', path: 'layer sha256:4567', hint: expect.stringContaining('gzip') });
    expect(err.message).toBe('layer sha256:4567: the zstd program failed (error 70 : Write error : cannot write block : No space left on device) while compressing');
  });

  it('exits 0 without reading all of its input → ERR_PROGRAM, not a short blob that looks whole', async () => {
    const { err, received } = await failure(fakeZstd('quits', 'exit 0'));
    expect(received).toBeGreaterThan(0);
    expect(err).toMatchObject({ code: 'ERR_PROGRAM', message: expect.stringContaining('exited before reading all of its input') });
  });

  it('kills itself → ERR_PROGRAM naming the signal', async () => {
    const { err } = await failure(fakeZstd('crash', 'kill -SEGV $$'));
    expect(err).toMatchObject({ code: 'ERR_PROGRAM', message: expect.stringContaining('killed by SIGSEGV') });
  });

  it('removed after it was found → ERR_UNSUPPORTED naming the zstd package, before any output', async () => {
    const stage = createCompressor('zstd', 'archive');
    const empty = mkdtempSync(join(bin, 'empty-'));
    const restorePath = withEnv('PATH', empty);
    try {
      const err = await pipeline(Readable.from([Buffer.from('x')]), stage, new Writable({ write: (_c, _e, next) => next() })).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toMatchObject({ code: 'ERR_UNSUPPORTED', path: 'archive', hint: expect.stringMatching(/install the zstd package.*or use gzip/) });
    } finally {
      restorePath();
    }
  });
});
