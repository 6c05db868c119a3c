// The zstd program backend (FERRY_ZSTD_BACKEND=cli): ferry runs `zstd -d -c -q` (Debian package `zstd`) as a
// child process. Layers are written by the zstd CLI from a realistic image (thousands of files, a big mixed file);
// these tests check what is particular to a child process: backpressure through the pipes, the child killed and
// reaped when the stage is destroyed, errors as the other backends give them, and the program missing from PATH.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FerryError } from '../../src/errors.js';
import { BombGuard } from '../../src/oci/bomb-guard.js';
import { availableZstdBackends, createDecompressor, ZSTD_BACKEND_ENV, type ZstdBackend, zstdBackend } from '../../src/oci/compression.js';
import { ProgramStage } from '../../src/oci/compression/program-stage.js';
import { closed, expectConsumerStopKillsProgram, isRunning, withEnv } from '../helpers/program-stage.js';
import { tarBytes } from '../helpers/tar.js';
import { mixedBytes } from '../helpers/realistic-image.js';
import { ZSTD_ENV_NAME } from '../helpers/zstd-backends.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const zstd = (input: Buffer, ...args: string[]) => execFileSync('zstd', ['-q', '-c', '-3', ...args], { input, maxBuffer: 1 << 30 });

/** A layer tar shaped like a real one: 3,000 small files in nested directories and one 12 MiB mixed file. */
async function realisticLayerTar(): Promise<Buffer> {
  const entries: { name: string; type?: 'directory'; data?: Buffer | string }[] = [];
  for (let d = 0; d < 60; d++) {
    entries.push({ name: `usr/lib/python3.11/pkg${d}/`, type: 'directory' });
    for (let f = 0; f < 50; f++) entries.push({ name: `usr/lib/python3.11/pkg${d}/mod${f}.py`, data: `# module ${d}.${f}\n${'def f(x):\n    return x * 2\n'.repeat(1 + ((d * f) % 40))}` });
  }
  entries.push({ name: 'usr/lib/libbig.so', data: mixedBytes(12 * 1024 * 1024, 5) });
  return tarBytes(entries);
}



function chunksOf(input: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < input.length; at += size) out.push(input.subarray(at, at + size));
  return out;
}

/** Decodes `input` with the backend in force; resolves to the output's digest and size, or rejects. */
async function decode(input: Buffer | Buffer[], chunkSize = 64 * 1024): Promise<{ digest: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  await pipeline(
    Readable.from(Array.isArray(input) ? input : chunksOf(input, chunkSize)),
    createDecompressor('zstd', 'layer.tar.zst'),
    new Writable({
      write(chunk: Buffer, _e, done) {
        hash.update(chunk);
        size += chunk.length;
        done();
      },
    }),
  );
  return { digest: hash.digest('hex'), size };
}

async function failure(input: Buffer): Promise<FerryError> {
  const err = await decode(input).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FerryError);
  return err as FerryError;
}

describe('zstd program backend (zstd -d -c -q in a child process)', { timeout: 60_000 }, () => {
  let restore: () => void;
  let tar: Buffer;
  let layer: Buffer;
  beforeAll(async () => {
    restore = withEnv(ZSTD_BACKEND_ENV, 'cli');
    tar = await realisticLayerTar();
    layer = zstd(tar);
  });
  afterAll(() => restore());

  it('is the backend in use, and is a child-process stage', () => {
    expect(zstdBackend()).toBe('zstd-cli');
    expect(createDecompressor('zstd')).toBeInstanceOf(ProgramStage);
  });

  it('decodes a realistic layer to its diffID', async () => {
    expect(await decode(layer)).toEqual({ digest: sha(tar), size: tar.length });
  });

  it('decodes several frames (with and without content size, a skippable frame between) fed in 1-byte chunks', async () => {
    const part = tar.subarray(0, 90_000);
    const skippable = Buffer.concat([Buffer.from([0x5e, 0x2a, 0x4d, 0x18, 4, 0, 0, 0]), Buffer.from('seek')]);
    const frames = Buffer.concat([zstd(part.subarray(0, 30_000)), skippable, zstd(part.subarray(30_000, 60_000), '--no-content-size'), zstd(part.subarray(60_000))]);
    expect(await decode(frames, 1)).toEqual({ digest: sha(part), size: part.length });
  });

  it('decodes no input to nothing without starting the program', async () => {
    const stage = createDecompressor('zstd') as ProgramStage;
    await pipeline(Readable.from([Buffer.alloc(0)]), stage, new Writable({ write: (_c, _e, done) => done(new Error('no output expected')) }));
    expect(stage.pid).toBeUndefined();
  });

  it('holds backpressure both ways for a slow consumer: little output buffered, little input taken ahead', async () => {
    const data = mixedBytes(48 * 1024 * 1024, 9);
    const input = zstd(data);
    const stage = createDecompressor('zstd', 'slow.zst');
    let given = 0;
    let pushed = 0;
    const push = stage.push.bind(stage);
    stage.push = (chunk: unknown, encoding?: BufferEncoding) => {
      if (chunk instanceof Uint8Array) pushed += chunk.length;
      return push(chunk, encoding);
    };
    let received = 0;
    let maxBuffered = 0;
    let givenAtTwoMiB = 0;
    const hash = createHash('sha256');
    await pipeline(
      Readable.from(
        (function* () {
          for (const chunk of chunksOf(input, 64 * 1024)) {
            given += chunk.length;
            yield chunk;
          }
        })(),
      ),
      stage,
      new Writable({
        highWaterMark: 64 * 1024,
        write(chunk: Buffer, _e, done) {
          hash.update(chunk);
          received += chunk.length;
          maxBuffered = Math.max(maxBuffered, pushed - received);
          if (givenAtTwoMiB === 0 && received >= 2 * 1024 * 1024) givenAtTwoMiB = given;
          // A consumer slower than the decoder for the first 4 MiB, then at full speed.
          if (received < 4 * 1024 * 1024) setTimeout(done, 2);
          else done();
        },
      }),
    );
    expect(hash.digest('hex')).toBe(sha(data));
    expect(maxBuffered).toBeLessThan(1024 * 1024);
    // 2 MiB of output stand for ~1 MiB of input; the pipes and zstd's own buffers hold a few hundred KiB more.
    expect(givenAtTwoMiB).toBeGreaterThan(0);
    expect(givenAtTwoMiB).toBeLessThan(4 * 1024 * 1024);
    expect(input.length).toBeGreaterThan(16 * 1024 * 1024);
  });

  it('the consumer stopping mid-stream kills the program and the pipeline settles with its error', async () => {
    await expectConsumerStopKillsProgram(createDecompressor('zstd') as ProgramStage, chunksOf(layer, 64 * 1024), 1024 * 1024);
  });

  it('destroy() while the program is blocked on a full pipe kills it and closes the stage', async () => {
    const stage = createDecompressor('zstd') as ProgramStage;
    stage.write(layer.subarray(0, 4 * 1024 * 1024));
    await new Promise<void>((resolve) => stage.once('readable', resolve));
    const pid = stage.pid!;
    expect(isRunning(pid)).toBe(true);
    const closed = new Promise<void>((resolve) => stage.once('close', resolve));
    stage.destroy();
    await closed;
    expect(isRunning(pid)).toBe(false);
  });

  it('an upstream failure kills the program', async () => {
    const stage = createDecompressor('zstd') as ProgramStage;
    let pid: number | undefined;
    const source = Readable.from(
      (function* () {
        for (const [i, chunk] of chunksOf(layer, 64 * 1024).entries()) {
          if (i === 40) throw new Error('source failed');
          yield chunk;
        }
      })(),
    );
    const done = pipeline(source, stage, new Writable({ write: (_c, _e, next) => ((pid ??= stage.pid), next()) }));
    await expect(done).rejects.toThrow('source failed');
    await closed(stage);
    expect(isRunning(pid!)).toBe(false);
  });

  it('the decompression bound (BombGuard, unchanged) stops a zstd bomb and kills the program', async () => {
    const bomb = zstd(Buffer.alloc(256 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(64 * 1024);
    const stage = createDecompressor('zstd', 'bomb.zst') as ProgramStage;
    let pid: number | undefined;
    const guard = new BombGuard({ compressedSize: bomb.length, ratio: 1000, floor: 8 * 1024 * 1024, where: 'bomb.zst' });
    const done = pipeline(Readable.from([bomb]), stage, guard, new Writable({ write: (_c, _e, next) => ((pid ??= stage.pid), next()) }));
    await expect(done).rejects.toMatchObject({ code: 'ERR_TOO_LARGE' });
    await closed(stage);
    expect(isRunning(pid!)).toBe(false);
  });

  it('the program killed by someone else mid-stream: the stage fails, never ends as if the output were complete', async () => {
    const stage = createDecompressor('zstd', 'layer.tar.zst') as ProgramStage;
    let received = 0;
    const done = pipeline(
      Readable.from(chunksOf(layer, 64 * 1024)),
      stage,
      new Writable({
        write(chunk: Buffer, _e, next) {
          if (received === 0) process.kill(stage.pid!, 'SIGKILL');
          received += chunk.length;
          setTimeout(next, 1);
        },
      }),
    );
    await expect(done).rejects.toMatchObject({ code: 'ERR_INVALID_DOCUMENT', message: expect.stringContaining('killed by SIGKILL') });
    expect(received).toBeLessThan(tar.length);
  });

  it('a program that exits 0 without reading all its input: the stage fails, never ends with the output so far', async () => {
    // The rest of the input is written into the closed pipe at once (EPIPE), so it "ends" before the exit is seen.
    const bin = mkdtempSync(join(tmpdir(), 'ferry-quitting-zstd-'));
    writeFileSync(
      join(bin, 'zstd'),
      ['#!/bin/sh', 'if [ "$1" = "--version" ]; then echo "*** Zstandard CLI (64-bit) v1.5.4 ***"; exit 0; fi', 'head -c 200000 >/dev/null', 'exit 0', ''].join('\n'),
    );
    chmodSync(join(bin, 'zstd'), 0o755);
    const restorePath = withEnv('PATH', `${bin}:${process.env.PATH}`);
    try {
      expect(await failure(layer)).toMatchObject({ code: 'ERR_INVALID_DOCUMENT', message: expect.stringContaining('zstd stopped before the end of its input') });
    } finally {
      restorePath();
      rmSync(bin, { recursive: true, force: true });
    }
  });

  it('the program removed after it was found: ERR_UNSUPPORTED naming the zstd package, not a corrupt layer', async () => {
    const stage = createDecompressor('zstd', 'layer.tar.zst');
    const empty = mkdtempSync(join(tmpdir(), 'ferry-no-zstd-'));
    const restorePath = withEnv('PATH', empty);
    try {
      const err = await pipeline(Readable.from([layer.subarray(0, 100_000)]), stage, new Writable({ write: (_c, _e, next) => next() })).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toMatchObject({ code: 'ERR_UNSUPPORTED', path: 'layer.tar.zst', hint: expect.stringContaining('install the zstd package') });
    } finally {
      restorePath();
      rmSync(empty, { recursive: true, force: true });
    }
  });

  describe('errors carry the codes every backend gives for the same input', () => {
    async function expectCodeFromEach(backends: readonly ZstdBackend[], input: Buffer, code: string): Promise<void> {
      for (const backend of backends) {
        const back = withEnv(ZSTD_BACKEND_ENV, ZSTD_ENV_NAME[backend]);
        try {
          expect((await failure(input)).code, backend).toBe(code);
        } finally {
          back();
        }
      }
    }

    it.each([
      ['half way', 0.5],
      ['just before the end', -3],
    ])('a real layer truncated %s → ERR_TRUNCATED naming the file', async (_where, at) => {
      const cut = layer.subarray(0, at > 0 ? Math.floor(layer.length * at) : layer.length + at);
      const err = await failure(cut);
      expect(err).toMatchObject({ code: 'ERR_TRUNCATED', path: 'layer.tar.zst' });
      expect(err.message).toMatch(/^layer\.tar\.zst: zstd data is truncated \(.+\)$/);
      await expectCodeFromEach(availableZstdBackends(), cut, 'ERR_TRUNCATED');
    });

    it('a real layer with a corrupt block → ERR_INVALID_DOCUMENT, as the other backends report it', async () => {
      const bad = Buffer.from(layer);
      bad.fill(0xff, Math.floor(bad.length / 2), Math.floor(bad.length / 2) + 4096);
      const err = await failure(bad);
      expect(err).toMatchObject({ code: 'ERR_INVALID_DOCUMENT', path: 'layer.tar.zst', hint: expect.stringContaining('damaged') });
      expect(err.message).toMatch(/^layer\.tar\.zst: zstd data is corrupt \(.+\)$/);
      // fzstd does not check zstd's content checksum: where the damage falls in raw (random) data it decodes wrong
      // bytes without an error, which unpack's diffID check then refuses. The libzstd backends agree with the program.
      await expectCodeFromEach(availableZstdBackends().filter((b) => b !== 'fzstd'), bad, 'ERR_INVALID_DOCUMENT');
    });

    it('corruption near the start of a big input: the program exits while ferry still writes (EPIPE) → ERR_INVALID_DOCUMENT', async () => {
      const bad = Buffer.from(layer);
      bad.fill(0xff, 200, 4296);
      expect(await failure(bad)).toMatchObject({ code: 'ERR_INVALID_DOCUMENT', path: 'layer.tar.zst' });
    });

    it('data after the last frame that is not zstd → ERR_INVALID_DOCUMENT', async () => {
      expect(await failure(Buffer.concat([layer.subarray(0, 0), zstd(Buffer.from('x')), Buffer.from('trailing junk')]))).toMatchObject({ code: 'ERR_INVALID_DOCUMENT' });
    });
  });
});

describe('zstd program missing from PATH', () => {
  let emptyDir: string;
  let restorePath: () => void;
  beforeAll(() => {
    emptyDir = mkdtempSync(join(tmpdir(), 'ferry-no-zstd-'));
    restorePath = withEnv('PATH', emptyDir);
  });
  afterAll(() => {
    restorePath();
    rmSync(emptyDir, { recursive: true, force: true });
  });

  it('is not offered; fzstd stays last', () => {
    expect(availableZstdBackends()).not.toContain('zstd-cli');
    expect(availableZstdBackends().at(-1)).toBe('fzstd');
  });

  it('forced with FERRY_ZSTD_BACKEND=cli, fails with ERR_UNSUPPORTED naming the zstd package, before any input', () => {
    const restore = withEnv(ZSTD_BACKEND_ENV, 'cli');
    try {
      expect(() => createDecompressor('zstd')).toThrow(
        expect.objectContaining({ code: 'ERR_UNSUPPORTED', message: expect.stringContaining('zstd-cli'), hint: expect.stringContaining('install the zstd package') }),
      );
    } finally {
      restore();
    }
  });

  it('is found again when PATH has it (the probe is per PATH, not once per process)', () => {
    const restore = withEnv('PATH', `${emptyDir}:/usr/bin`);
    try {
      expect(availableZstdBackends()).toContain('zstd-cli');
    } finally {
      restore();
    }
  });
});
