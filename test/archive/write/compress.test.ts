import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeArchive } from '../../../src/archive/write/archive-writer.js';
import { type ArchiveCompression, compressArchive } from '../../../src/archive/write/compress.js';
import { type BuiltImage, buildImage } from '../../helpers/image-builder.js';
import { planFor } from './export-fixtures.js';
import { BufferSink, writeToBuffer } from './write-helpers.js';

type Decompress = (b: Buffer) => Buffer;
const zstdDecompressSync = (zlib as unknown as { zstdDecompressSync?: Decompress }).zstdDecompressSync;
const hasZstd = typeof (zlib as unknown as { createZstdCompress?: unknown }).createZstdCompress === 'function';

let image: BuiltImage;
beforeAll(async () => {
  image = await buildImage({ platforms: [{ os: 'linux', architecture: 'amd64' }] });
});

/** What the CLI does: archive → compressor → output, in one pipeline. */
async function compressedArchive(compression: ArchiveCompression): Promise<Buffer> {
  const compressor = compressArchive(compression);
  const tar = new PassThrough();
  const sink = new BufferSink();
  const done = pipeline(tar, compressor, sink);
  await writeArchive(tar, image.content, planFor([{ image, name: 'docker.io/library/alpine:3.19', dockerPlatform: 0 }]));
  await done;
  return sink.bytes();
}

describe('compressArchive', () => {
  const formats = [
    { compression: 'gzip', magic: Buffer.from([0x1f, 0x8b]), decompress: zlib.gunzipSync as Decompress, available: true },
    { compression: 'zstd', magic: Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), decompress: zstdDecompressSync, available: hasZstd },
  ] as const;

  it.each(formats.filter((f) => f.available))('wraps the whole archive in $compression, the same bytes every time', async ({ compression, magic, decompress }) => {
    const plain = (await writeToBuffer(image.content, planFor([{ image, name: 'docker.io/library/alpine:3.19', dockerPlatform: 0 }]))).bytes;
    const [a, b] = [await compressedArchive(compression), await compressedArchive(compression)];
    expect(a.subarray(0, magic.length)).toEqual(magic);
    expect(a.equals(b)).toBe(true);
    expect(decompress?.(a).equals(plain)).toBe(true);
  });

  it.skipIf(hasZstd)(`refuses zstd with ERR_UNSUPPORTED on Node ${process.versions.node}, which has no zlib zstd`, () => {
    expect(() => compressArchive('zstd')).toThrow(expect.objectContaining({ code: 'ERR_UNSUPPORTED', hint: expect.stringContaining('--compress gzip') }));
  });
});
