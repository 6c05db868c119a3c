import { describe, expect, it } from 'vitest';
import { digestOf } from '../../../src/oci/digest.js';
import { MediaType } from '../../../src/oci/mediatypes.js';
import { legacyDockerSaveTar } from '../../helpers/archive-fixtures.js';
import { type BuiltManifest, buildImage, compress, FOUR_PLATFORMS } from '../../helpers/image-builder.js';
import { type TarEntry, tarBytes } from '../../helpers/tar.js';
import { expectBlobsInSink, expectReadError, read } from './read-helpers.js';

/** A docker-save archive of one platform with its layers written as given (crane writes them compressed). */
async function savedWithLayers(
  m: BuiltManifest,
  layerFiles: { name: string; data: Buffer }[],
  entry: { Layers?: string[]; LayerSources?: unknown } = {},
): Promise<Buffer> {
  const configName = `${m.config.desc.digest.slice(7)}.json`;
  const manifestJson = [{ Config: configName, RepoTags: ['app:1'], Layers: layerFiles.map((l) => l.name), ...entry }];
  return tarBytes([{ name: configName, data: m.config.bytes }, ...layerFiles, { name: 'manifest.json', data: JSON.stringify(manifestJson) }]);
}

describe('readArchive: docker save archives', () => {
  it.each([
    ['docker', false],
    ['docker', true],
    ['skopeo', false],
  ] as const)('synthesizes the schema2 manifest of a %s-style save (manifest.json first: %s)', async (style, manifestFirst) => {
    const image = await buildImage({ format: 'docker', compression: 'none', platforms: [{ os: 'linux', architecture: 'arm', variant: 'v7' }] });
    const m = image.manifests[0]!;
    const { contents, sink } = await read(await legacyDockerSaveTar(m, { repoTags: ['app:1', 'registry.example/app:1'], style, manifestFirst }));

    expect(contents.format).toBe('docker-legacy');
    expect(contents.index).toBeUndefined();
    expect(contents.images).toHaveLength(1);
    const [found] = contents.images;
    // Same fields in the same order as a docker schema2 manifest: byte-identical to the one the image was built with.
    expect(found!.target).toEqual({ ...m.desc, platform: { architecture: 'arm', os: 'linux', variant: 'v7' } });
    expect(sink.blobs.get(m.desc.digest)?.equals(m.bytes)).toBe(true);
    expect(found!.repoTags).toEqual(['app:1', 'registry.example/app:1']);
    expect(contents.dockerManifest![0]!.Layers).toHaveLength(2);
    for (const layer of m.layers) expect(contents.blobs.get(layer.diffID)).toBeGreaterThan(0);
    expectBlobsInSink(contents, sink);
  });

  it('accepts RepoTags null (a save by digest)', async () => {
    const image = await buildImage({ format: 'docker', compression: 'none', platforms: [{ os: 'linux', architecture: 'amd64' }] });
    const { contents } = await read(await legacyDockerSaveTar(image.manifests[0]!, { repoTags: null }));
    expect(contents.images.map((i) => i.repoTags)).toEqual([[]]);
  });

  it.each([
    ['none', MediaType.dockerLayer],
    ['gzip', MediaType.dockerLayerGzip],
    ['zstd', MediaType.dockerLayerZstd],
  ])('labels %s layers by sniffing their bytes, never by name (zstd is not gzip)', async (compression, mediaType) => {
    const image = await buildImage({ format: 'docker', compression: 'none', platforms: [{ os: 'linux', architecture: 'amd64' }] });
    const m = image.manifests[0]!;
    const files = m.layers.map((l, i) => ({ name: `layer${i}.tar.gz`, data: compress(Buffer.from(image.content.blobs.get(l.desc.digest)!), compression) }));
    const { contents, sink } = await read(await savedWithLayers(m, files));
    const manifest = JSON.parse(sink.blobs.get(contents.images[0]!.target.digest)!.toString());
    expect(Object.keys(manifest)).toEqual(['schemaVersion', 'mediaType', 'config', 'layers']);
    expect(manifest.config).toEqual({ mediaType: MediaType.dockerConfig, digest: m.config.desc.digest, size: m.config.desc.size });
    expect(manifest.layers).toEqual(files.map((f) => ({ mediaType, digest: digestOf(f.data), size: f.data.length })));
  });

  it('keeps a foreign layer from LayerSources, urls included, when its file is absent', async () => {
    const image = await buildImage({ format: 'docker', compression: 'none', platforms: [{ os: 'windows', architecture: 'amd64' }] });
    const m = image.manifests[0]!;
    const foreign = { mediaType: MediaType.dockerForeignLayerGzip, digest: digestOf('base layer'), size: 1234, urls: ['https://mcr.example/base'] };
    const own = { name: 'own/layer.tar', data: Buffer.from(image.content.blobs.get(m.layers[1]!.desc.digest)!) };
    // manifest.json names both layers; the foreign one's file is not in the archive.
    const archive = await savedWithLayers(m, [own], { Layers: ['base/layer.tar', own.name], LayerSources: { [m.layers[0]!.diffID]: foreign } });
    const { contents, sink } = await read(archive);
    const manifest = JSON.parse(sink.blobs.get(contents.images[0]!.target.digest)!.toString());
    expect(manifest.layers).toEqual([foreign, { mediaType: MediaType.dockerLayer, digest: m.layers[1]!.diffID, size: own.data.length }]);
    expect(contents.images[0]!.target.platform).toEqual({ architecture: 'amd64', os: 'windows' });
    expect(contents.blobs.has(foreign.digest)).toBe(false);
  });

  it('reads a podman multi-image archive: one image per manifest.json entry, platforms kept apart', async () => {
    const image = await buildImage({ format: 'docker', compression: 'none', platforms: FOUR_PLATFORMS.slice(0, 2) });
    const entries: TarEntry[] = [];
    const manifestJson = image.manifests.map((m, i) => {
      entries.push({ name: `${m.config.desc.digest.slice(7)}.json`, data: m.config.bytes });
      for (const l of m.layers) {
        if (!entries.some((e) => e.name === `${l.diffID.slice(7)}.tar`)) entries.push({ name: `${l.diffID.slice(7)}.tar`, data: image.content.blobs.get(l.desc.digest)! });
      }
      return { Config: `${m.config.desc.digest.slice(7)}.json`, RepoTags: [i === 0 ? 'app:amd64' : 'app:arm64'], Layers: m.layers.map((l) => `${l.diffID.slice(7)}.tar`) };
    });
    const { contents } = await read(await tarBytes([...entries, { name: 'manifest.json', data: JSON.stringify(manifestJson) }]));
    expect(contents.images.map((i) => [i.target.digest, i.target.platform, i.repoTags])).toEqual(
      image.manifests.map((m, i) => [m.desc.digest, m.platform, [i === 0 ? 'app:amd64' : 'app:arm64']]),
    );
  });

  it('names the missing file when manifest.json points at a layer that is not there', async () => {
    const image = await buildImage({ format: 'docker', compression: 'none', platforms: [{ os: 'linux', architecture: 'amd64' }] });
    const m = image.manifests[0]!;
    const broken = await savedWithLayers(m, [], { Layers: ['gone/layer.tar'] });
    const err = await expectReadError(broken, 'ERR_BLOB_MISSING');
    expect(err.message).toContain('gone/layer.tar');
  });

  it('rejects a v1 archive with only a repositories file, with a hint', async () => {
    const archive = await tarBytes([
      { name: 'abc/', type: 'directory' },
      { name: 'abc/layer.tar', data: 'x' },
      { name: 'repositories', data: JSON.stringify({ app: { '1': 'abc' } }) },
    ]);
    const err = await expectReadError(archive, 'ERR_UNSUPPORTED_ARCHIVE');
    expect(err.hint).toMatch(/save it again/);
  });

  it.each([
    ['an empty stream', Buffer.alloc(0)],
    ['an empty tar', Buffer.alloc(1024)],
  ])('rejects %s as not an image archive', async (_what, bytes) => {
    await expectReadError(bytes, 'ERR_UNSUPPORTED_ARCHIVE');
  });

  it('rejects bytes that are not a tar', async () => {
    const err = await expectReadError(Buffer.from('hello, this is not a tar archive at all'.repeat(40)), 'ERR_UNSUPPORTED_ARCHIVE');
    expect(err.message).toContain('not a tar archive');
  });
});
