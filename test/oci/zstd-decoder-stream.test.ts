// The zstd decoder streams against the stream contract: several MB of mixed compressible and random data in
// several frames (with and without content size, a skippable frame between them), fed in 1-byte, 64 KiB and
// random chunks to fast, slow (a setImmediate per chunk) and paused consumers, on every backend here
// (node:zlib needs Node ≥ 22.15: .ci/run runs this file on Node 24 too). Frames come from the zstd CLI (Debian
// package `zstd`), so they are what other tools write.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableZstdBackends, createDecompressor, ZSTD_BACKEND_ENV } from '../../src/oci/compression.js';
import { mixedBytes } from '../helpers/realistic-image.js';
import { ZSTD_ENV_NAME } from '../helpers/zstd-backends.js';


function zstd(data: Buffer, ...args: string[]): Buffer {
  return execFileSync('zstd', ['-q', '-c', '-3', ...args], { input: data, maxBuffer: 1 << 30 });
}

function skippableFrame(payload: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32LE(0x184d2a53, 0);
  header.writeUInt32LE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

/** `data` as three frames: with content size, a skippable frame, without content size, then a small one. */
function threeFrames(data: Buffer): Buffer {
  const a = Math.floor(data.length * 0.45);
  const b = Math.floor(data.length * 0.9);
  return Buffer.concat([zstd(data.subarray(0, a)), skippableFrame(Buffer.from('ferry skippable')), zstd(data.subarray(a, b), '--no-content-size'), zstd(data.subarray(b))]);
}

function chunksOf(input: Buffer, sizes: () => number): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < input.length; ) {
    const size = Math.max(1, sizes());
    out.push(input.subarray(at, at + size));
    at += size;
  }
  return out;
}

function randomSizes(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return 1 + (state % 200_000);
  };
}

type Consumer = 'fast' | 'slow' | 'paused';

/** Decodes `chunks` into a digest and a byte count, reading as the given consumer does. */
async function decode(chunks: Buffer[], consumer: Consumer): Promise<{ digest: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  const decoder = createDecompressor('zstd', 'frames.zst');
  const source = Readable.from(chunks, { objectMode: false });
  if (consumer === 'paused') {
    // Nobody reads for a while: the decoder must stop, hold its output, and go on when reading starts.
    const writing = pipeline(source, decoder).catch((err: unknown) => err);
    await new Promise((r) => setTimeout(r, 50));
    for await (const chunk of decoder) {
      hash.update(chunk as Buffer);
      size += (chunk as Buffer).length;
      if (size % 7 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    const err = await writing;
    if (err) throw err;
  } else {
    await pipeline(
      source,
      decoder,
      new Writable({
        highWaterMark: 16 * 1024,
        write(chunk: Buffer, _e, done) {
          hash.update(chunk);
          size += chunk.length;
          if (consumer === 'slow') setImmediate(done);
          else done();
        },
      }),
    );
  }
  return { digest: hash.digest('hex'), size };
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe.each(availableZstdBackends())('zstd decoder stream contract (backend: %s)', { timeout: 20_000 }, (backend) => {
  let saved: string | undefined;
  const big = mixedBytes(5 * 1024 * 1024, 11);
  const small = mixedBytes(160 * 1024, 12);
  let bigFrames: Buffer;
  let smallFrames: Buffer;
  beforeAll(() => {
    saved = process.env[ZSTD_BACKEND_ENV];
    process.env[ZSTD_BACKEND_ENV] = ZSTD_ENV_NAME[backend];
    bigFrames = threeFrames(big);
    smallFrames = threeFrames(small);
  });
  afterAll(() => {
    if (saved === undefined) delete process.env[ZSTD_BACKEND_ENV];
    else process.env[ZSTD_BACKEND_ENV] = saved;
  });

  const consumers: Consumer[] = ['fast', 'slow', 'paused'];
  it.each(consumers)('5 MiB in three frames, 64 KiB chunks, %s consumer: byte-exact', async (consumer) => {
    expect(await decode(chunksOf(bigFrames, () => 64 * 1024), consumer)).toEqual({ digest: sha(big), size: big.length });
  });

  it.each(consumers)('5 MiB in three frames, random chunks (frames split anywhere), %s consumer: byte-exact', async (consumer) => {
    expect(await decode(chunksOf(bigFrames, randomSizes(consumer.length)), consumer)).toEqual({ digest: sha(big), size: big.length });
  });

  it('5 MiB in one chunk (every output buffer of one input chunk waits for a slow reader): byte-exact', async () => {
    expect(await decode([bigFrames], 'slow')).toEqual({ digest: sha(big), size: big.length });
  });

  // 1-byte chunks on the smaller input: each chunk is a write, so 5 MiB would take minutes.
  it.each(['fast', 'slow'] as const)('160 KiB in three frames, 1-byte chunks, %s consumer: byte-exact', async (consumer) => {
    expect(await decode(chunksOf(smallFrames, () => 1), consumer)).toEqual({ digest: sha(small), size: small.length });
  });

  it('a stream cut inside the last frame fails with ERR_TRUNCATED for a slow consumer too', async () => {
    await expect(decode(chunksOf(bigFrames.subarray(0, bigFrames.length - 1000), () => 64 * 1024), 'slow')).rejects.toMatchObject({ code: 'ERR_TRUNCATED', path: 'frames.zst' });
  });
});
