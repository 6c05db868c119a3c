import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { legacyDockerSaveTar, ociLayoutTar } from '../../helpers/archive-fixtures.js';
import { buildImage, compress } from '../../helpers/image-builder.js';
import { expectReadError, read } from './read-helpers.js';

describe('readArchive: whole-archive compression is sniffed, never asked for', () => {
  const wrappers = [
    ['gzip', (b: Buffer) => gzipSync(b)],
    ['zstd', (b: Buffer) => compress(b, 'zstd')],
  ] as const;

  it.each(wrappers)('reads a %s-compressed OCI layout like the plain one', async (_kind, wrap) => {
    const image = await buildImage({ attestations: true, compression: 'zstd' });
    const archive = await ociLayoutTar({ images: [{ image, refName: 'latest' }], indexLast: true });
    const plain = await read(archive);
    const wrapped = await read(wrap(archive), 1000);
    expect(wrapped.contents).toEqual(plain.contents);
    expect(wrapped.sink.blobs).toEqual(plain.sink.blobs);
  });

  it.each(wrappers)('reads a %s-compressed docker save', async (_kind, wrap) => {
    const image = await buildImage({ format: 'docker', compression: 'none', platforms: [{ os: 'linux', architecture: 'amd64' }] });
    const archive = await legacyDockerSaveTar(image.manifests[0]!, { repoTags: ['app:1'], style: 'skopeo' });
    const { contents } = await read(wrap(archive));
    expect(contents.format).toBe('docker-legacy');
    expect(contents.images[0]!.target.digest).toBe(image.manifests[0]!.desc.digest);
  });

  it('reports a truncated gzip archive as truncated', async () => {
    const image = await buildImage({ platforms: [{ os: 'linux', architecture: 'amd64' }], padding: 200_000 });
    const gz = gzipSync(await ociLayoutTar({ images: [{ image }] }));
    await expectReadError(gz.subarray(0, Math.floor(gz.length * 0.6)), 'ERR_TRUNCATED');
  });

  it('reports a truncated zstd archive as truncated or corrupt, never as success', async () => {
    const image = await buildImage({ platforms: [{ os: 'linux', architecture: 'amd64' }], padding: 200_000 });
    const zst = compress(await ociLayoutTar({ images: [{ image }] }), 'zstd');
    const err = await read(zst.subarray(0, Math.floor(zst.length * 0.6))).then(
      () => undefined,
      (e: { code?: string }) => e.code,
    );
    expect(['ERR_TRUNCATED', 'ERR_INVALID_DOCUMENT']).toContain(err);
  });
});
