import { gunzipSync } from 'node:zlib';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeArchive } from '../../../src/archive/write/archive-writer.js';
import { type ArchiveCompression, compressArchive } from '../../../src/archive/write/compress.js';
import { type BuiltImage, buildImage } from '../../helpers/image-builder.js';
import { planFor } from './export-fixtures.js';
import { createDecompressor } from '../../../src/oci/compression.js';
import { availableZstdBackends } from '../../../src/oci/compression/zstd-backend.js';
import { streamToBuffer } from '../../helpers/tar.js';
import { BufferSink, writeToBuffer } from './write-helpers.js';

type Decompress = (b: Buffer) => Buffer | Promise<Buffer>;
const hasZstd = availableZstdBackends().some((b) => b !== 'fzstd');
const zstdDecompress: Decompress = (b) => streamToBuffer(Readable.from([b]).pipe(createDecompressor('zstd')));

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
    { compression: 'gzip', magic: Buffer.from([0x1f, 0x8b]), decompress: gunzipSync as Decompress, available: true },
    { compression: 'zstd', magic: Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), decompress: zstdDecompress, available: hasZstd },
  ] as const;

  it.each(formats.filter((f) => f.available))('wraps the whole archive in $compression, the same bytes every time', async ({ compression, magic, decompress }) => {
    const plain = (await writeToBuffer(image.content, planFor([{ image, name: 'docker.io/library/alpine:3.19', dockerPlatform: 0 }]))).bytes;
    const [a, b] = [await compressedArchive(compression), await compressedArchive(compression)];
    expect(a.subarray(0, magic.length)).toEqual(magic);
    expect(a.equals(b)).toBe(true);
    expect((await decompress(a)).equals(plain)).toBe(true);
  });

  it('refuses zstd with ERR_UNSUPPORTED when no zstd compressor is available (pure-JS backend only decodes)', () => {
    process.env.FERRY_ZSTD_BACKEND = 'js';
    try {
      expect(() => compressArchive('zstd')).toThrow(expect.objectContaining({ code: 'ERR_UNSUPPORTED' }));
    } finally {
      delete process.env.FERRY_ZSTD_BACKEND;
    }
  });
});
