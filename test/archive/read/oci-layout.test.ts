import { describe, expect, it } from 'vitest';
import { digestOf } from '../../../src/oci/digest.js';
import { MediaType } from '../../../src/oci/mediatypes.js';
import { dockerSaveEntryFor, ociLayoutTar } from '../../helpers/archive-fixtures.js';
import { buildImage } from '../../helpers/image-builder.js';
import { readTar, tarBytes } from '../../helpers/tar.js';
import { expectBlobsInSink, read, withEntries } from './read-helpers.js';

describe('readArchive: OCI image layouts', () => {
  it('reads a multi-platform OCI layout with attestations, names as written, every blob into the sink', async () => {
    const image = await buildImage({ attestations: true });
    const archive = await ociLayoutTar({ images: [{ image, containerdName: 'docker.io/library/app:1', refName: '1' }] });
    const { contents, sink } = await read(archive);

    expect(contents.format).toBe('oci-layout');
    expect(contents.images).toHaveLength(1);
    const [found] = contents.images;
    expect(found!.target.digest).toBe(image.index.desc.digest);
    expect(found!.target.annotations).toEqual({ 'io.containerd.image.name': 'docker.io/library/app:1', 'org.opencontainers.image.ref.name': '1' });
    expect(found!.containerdName).toBe('docker.io/library/app:1');
    expect(found!.refName).toBe('1');
    expect(found!.repoTags).toEqual([]);
    for (const [digest, bytes] of image.content.blobs) expect(sink.blobs.get(digest)?.equals(bytes), digest).toBe(true);
    expect(contents.index!.desc).toEqual({ mediaType: MediaType.ociIndex, digest: digestOf(contents.index!.bytes), size: contents.index!.bytes.length });
    expect(JSON.parse(contents.index!.bytes.toString()).manifests[0].digest).toBe(image.index.desc.digest);
    expect(contents.dockerManifest).toBeUndefined();
    expectBlobsInSink(contents, sink);
  });

  it('reads an archive whose index.json comes after the blobs, in tiny chunks', async () => {
    const image = await buildImage({ platforms: [{ os: 'linux', architecture: 'amd64' }] });
    const archive = await ociLayoutTar({ images: [{ image, refName: 'docker.io/library/app:2' }], indexLast: true });
    const { contents } = await read(archive, 3);
    expect(contents.images.map((i) => [i.target.digest, i.refName])).toEqual([[image.index.desc.digest, 'docker.io/library/app:2']]);
  });

  it('reads several images and images without names', async () => {
    const a = await buildImage({ seed: 'a' });
    const b = await buildImage({ seed: 'b', format: 'docker' });
    const { contents } = await read(await ociLayoutTar({ images: [{ image: a, refName: 'a' }, { image: b }] }));
    expect(contents.images.map((i) => [i.target.digest, i.target.mediaType, i.refName])).toEqual([
      [a.index.desc.digest, MediaType.ociIndex, 'a'],
      [b.index.desc.digest, MediaType.dockerManifestList, undefined],
    ]);
  });

  it('leaves blobs omitted from a partial archive out of `blobs`', async () => {
    const image = await buildImage({ attestations: true });
    const omitted = [image.manifests[1]!.layers[1]!.desc.digest, image.attestations[0]!.desc.digest];
    const { contents, sink } = await read(await ociLayoutTar({ images: [{ image }], omit: new Set(omitted) }));
    for (const digest of omitted) expect(contents.blobs.has(digest)).toBe(false);
    expect(contents.blobs.has(image.manifests[0]!.desc.digest)).toBe(true);
    expectBlobsInSink(contents, sink);
  });

  it('reads a containerd export: manifest.json RepoTags attach to the image whose index holds the config', async () => {
    const image = await buildImage();
    const other = await buildImage({ seed: 'other', platforms: [{ os: 'linux', architecture: 'amd64' }] });
    const archive = await ociLayoutTar({
      images: [
        { image, containerdName: 'docker.io/library/app:1', refName: '1' },
        { image: other, containerdName: 'docker.io/library/other:2', refName: '2', top: other.manifests[0]!.desc },
      ],
      dockerManifest: [dockerSaveEntryFor(image.manifests[0]!, ['app:1']), dockerSaveEntryFor(other.manifests[0]!, ['other:2'])],
    });
    const { contents } = await read(archive);
    expect(contents.format).toBe('containerd-export');
    expect(contents.images.map((i) => i.repoTags)).toEqual([['app:1'], ['other:2']]);
    expect(contents.images[1]!.target.digest).toBe(other.manifests[0]!.desc.digest);
    expect(contents.dockerManifest).toHaveLength(2);
  });

  it('reads a Docker 25+ save (repositories present), RepoTags null included', async () => {
    const image = await buildImage({ format: 'docker', compression: 'none', platforms: [{ os: 'linux', architecture: 'arm64', variant: 'v8' }] });
    const top = image.manifests[0]!.desc;
    const archive = await withEntries(
      await ociLayoutTar({ images: [{ image, containerdName: 'docker.io/library/app:1', refName: '1', top }], dockerManifest: [dockerSaveEntryFor(image.manifests[0]!, null)] }),
      [{ name: 'repositories', data: '{}' }],
    );
    const { contents } = await read(archive);
    expect(contents.format).toBe('docker-hybrid');
    expect(contents.images).toHaveLength(1);
    expect(contents.images[0]!.target.digest).toBe(top.digest);
    expect(contents.images[0]!.repoTags).toEqual([]);
    expect(contents.dockerManifest![0]!.RepoTags).toEqual([]);
  });

  it('falls back to manifest.json when Docker 25.0 wrote "manifests": null', async () => {
    const image = await buildImage({ format: 'docker', compression: 'none' });
    const archive = await ociLayoutTar({
      images: [{ image }],
      nullManifests: true,
      dockerManifest: image.manifests.map((m, i) => dockerSaveEntryFor(m, i === 0 ? ['app:1'] : null)),
    });
    const { contents, sink } = await read(archive);
    expect(contents.format).toBe('docker-hybrid');
    expect(contents.index).toBeUndefined();
    // Synthesized schema2 manifests are byte-identical to the ones the builder wrote: same fields, same order.
    expect(contents.images.map((i) => i.target.digest)).toEqual(image.manifests.map((m) => m.desc.digest));
    expect(contents.images.map((i) => i.target.platform)).toEqual(image.manifests.map((m) => m.platform));
    expect(contents.images.map((i) => i.repoTags)).toEqual([['app:1'], [], [], []]);
    expectBlobsInSink(contents, sink);
  });

  it.each([
    ['1.0.0', undefined],
    ['1.1.0', undefined],
    ['2.0.0', 'ERR_UNSUPPORTED_ARCHIVE'],
    ['one', 'ERR_UNSUPPORTED_ARCHIVE'],
  ])('imageLayoutVersion %s → %s', async (version, code) => {
    const image = await buildImage({ platforms: [{ os: 'linux', architecture: 'amd64' }] });
    const archive = await ociLayoutTar({ images: [{ image }], indexLast: true });
    // A later entry of the same name and different content is a conflict, so rebuild without the original.
    const entries = (await readTar(archive)).filter((e) => e.name !== 'oci-layout');
    const rebuilt = await tarBytes([{ name: 'oci-layout', data: JSON.stringify({ imageLayoutVersion: version }) }, ...entries.map((e) => ({ name: e.name, type: e.type as 'file', data: e.data }))]);
    const result = await read(rebuilt).then(() => undefined, (e: { code: string }) => e.code);
    expect(result).toBe(code);
  });
});
