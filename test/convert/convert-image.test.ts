import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDocument } from '../../src/graph/read-document.js';
import { type Compression, sniffCompression, ZSTD_BACKEND_ENV } from '../../src/oci/compression.js';
import type { Descriptor } from '../../src/oci/descriptor.js';
import { MediaType } from '../../src/oci/mediatypes.js';
import { IndexSchema, ManifestSchema } from '../../src/oci/schemas.js';
import { convertStoredImage } from '../../src/ops/convert-image.js';
import { Store } from '../../src/store/index.js';
import { streamToBuffer } from '../helpers/tar.js';
import { type BuiltImage, buildImage } from '../helpers/image-builder.js';
import { describeInterop, SKOPEO_NEED } from '../interop/harness/requirements.js';
import { run } from '../interop/harness/tools.js';
import { storeImage, unpackedTree } from './helpers.js';
import { tempDir } from '../helpers/temp-dir.js';

const PLATFORMS = [
  { os: 'linux', architecture: 'amd64' },
  { os: 'linux', architecture: 'arm64', variant: 'v8' },
];

let root: { dir: string; cleanup(): Promise<void> };
let store: Store;
let gzipImage: BuiltImage;
let zstdImage: BuiltImage;
/** The unpacked rootfs of each platform of the gzip image: what every conversion must still unpack to. */
const expected = new Map<string, string[]>();

beforeAll(async () => {
  root = await tempDir('ferry-convert-');
  store = await Store.open(root.dir);
  gzipImage = await buildImage({ platforms: PLATFORMS, compression: 'gzip', attestations: true });
  zstdImage = await buildImage({ platforms: PLATFORMS, compression: 'zstd' });
  await storeImage(store, gzipImage, 'example.com/app:gzip');
  await storeImage(store, zstdImage, 'example.com/app:zstd');
  for (const m of gzipImage.manifests) expected.set(m.platform.architecture, await unpackedTree(store, m.desc));
});

afterAll(async () => {
  await root.cleanup();
});

/** The platform manifests of a stored image, with their parsed documents. */
async function platformManifests(target: Descriptor) {
  const index = (await readDocument(store, target, IndexSchema)).value;
  return Promise.all(
    index.manifests
      .filter((d) => d.platform?.os !== 'unknown')
      .map(async (desc) => ({ desc, arch: desc.platform!.architecture, manifest: (await readDocument(store, desc, ManifestSchema)).value })),
  );
}

async function imageTarget(name: string): Promise<Descriptor> {
  const record = await store.getImage(name);
  expect(record, name).toBeDefined();
  return record!.target;
}

describe('zstd layers', () => {
  it('an OCI image with zstd layers unpacks to the same files as its gzip twin', async () => {
    for (const m of zstdImage.manifests) {
      expect(m.layers.every((l) => l.desc.mediaType === MediaType.ociLayerZstd)).toBe(true);
      expect(await unpackedTree(store, m.desc)).toEqual(expected.get(m.platform.architecture));
    }
  });
});

describe('convert --layers', () => {
  const cases: [string, Compression, string][] = [
    ['example.com/app:gzip', 'zstd', MediaType.ociLayerZstd],
    ['example.com/app:zstd', 'none', MediaType.ociLayer],
    ['example.com/app:zstd', 'gzip', MediaType.ociLayerGzip],
  ];

  it.each(cases)('%s → %s: new layer blobs, same diffIDs and config, same files', async (source, layers, mediaType) => {
    const tag = `example.com/app:${layers}-from-${source.split(':')[1]}`;
    const result = await convertStoredImage(store, source, { layers, tag });
    expect(result.name).toBe(tag);
    const before = await platformManifests(await imageTarget(source));
    const after = await platformManifests(await imageTarget(tag));
    expect(result.target.digest).toBe((await imageTarget(tag)).digest);
    for (const { arch, manifest } of after) {
      const old = before.find((b) => b.arch === arch)!.manifest;
      expect(manifest.config).toEqual(old.config);
      expect(manifest.layers.map((l) => l.mediaType)).toEqual(old.layers.map(() => mediaType));
      for (const layer of manifest.layers) {
        const head = (await streamToBuffer(await store.fetch(layer))).subarray(0, 4);
        expect(sniffCompression(head)).toBe(layers);
      }
      expect(await unpackedTree(store, after.find((a) => a.arch === arch)!.desc)).toEqual(expected.get(arch));
    }
    // The shared base layer is converted once: 2 platform layers + 1 shared.
    const layerChanges = result.changed.filter((c) => c.kind === 'layer');
    expect(layerChanges).toHaveLength(3);
    expect(layerChanges.every((c) => c.from.digest !== c.to.digest && c.to.mediaType === mediaType)).toBe(true);
    expect(result.changed.filter((c) => c.kind === 'manifest').length).toBeGreaterThanOrEqual(2);
  });

  it('to the compression it already has changes nothing and keeps the digest', async () => {
    const target = await imageTarget('example.com/app:zstd');
    const result = await convertStoredImage(store, 'example.com/app:zstd', { layers: 'zstd', tag: 'example.com/app:same' });
    expect(result.changed).toEqual([]);
    expect(result.target.digest).toBe(target.digest);
  });

  it('without a zstd compressor fails with ERR_UNSUPPORTED and names nothing new', async () => {
    const saved = process.env[ZSTD_BACKEND_ENV];
    process.env[ZSTD_BACKEND_ENV] = 'js';
    try {
      await expect(convertStoredImage(store, 'example.com/app:gzip', { layers: 'zstd', tag: 'example.com/app:never' })).rejects.toMatchObject({
        code: 'ERR_UNSUPPORTED',
      });
    } finally {
      if (saved === undefined) delete process.env[ZSTD_BACKEND_ENV];
      else process.env[ZSTD_BACKEND_ENV] = saved;
    }
    expect(await store.getImage('example.com/app:never')).toBeUndefined();
  });

  it('an unknown image is ERR_NOT_FOUND; nothing to do is ERR_USAGE', async () => {
    await expect(convertStoredImage(store, 'example.com/none:1', { layers: 'gzip' })).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
    await expect(convertStoredImage(store, 'example.com/app:gzip', {})).rejects.toMatchObject({ code: 'ERR_USAGE' });
  });
});

describe('convert --docker / --oci', () => {
  it('switches every media type, drops what Docker cannot hold, and converts back to the same documents', async () => {
    const original = await imageTarget('example.com/app:gzip');
    const docker = await convertStoredImage(store, 'example.com/app:gzip', { format: 'docker', tag: 'example.com/app:docker' });
    expect(docker.target.mediaType).toBe(MediaType.dockerManifestList);
    const index = (await readDocument(store, docker.target, IndexSchema)).value;
    expect(index.mediaType).toBe(MediaType.dockerManifestList);
    expect(index.manifests.every((d) => d.mediaType === MediaType.dockerManifest && d.annotations === undefined)).toBe(true);
    for (const { manifest, desc } of await platformManifests(docker.target)) {
      expect(manifest.mediaType).toBe(MediaType.dockerManifest);
      expect(manifest.config.mediaType).toBe(MediaType.dockerConfig);
      expect(manifest.layers.every((l) => l.mediaType === MediaType.dockerLayerGzip)).toBe(true);
      expect(await unpackedTree(store, desc)).toEqual(expected.get(desc.platform!.architecture));
    }
    // The attestations' descriptor annotations (vnd.docker.reference.*) and the in-toto layer's are lost.
    expect(docker.dropped.some((d) => d.startsWith('annotations of descriptor'))).toBe(true);
    expect(docker.changed.some((c) => c.kind === 'config' && c.from.digest === c.to.digest)).toBe(true);

    const plain = await convertStoredImage(store, 'example.com/app:zstd', { format: 'docker', tag: 'example.com/app:zstd-docker' });
    expect(plain.dropped).toEqual([]);
    const back = await convertStoredImage(store, 'example.com/app:zstd-docker', { format: 'oci', tag: 'example.com/app:zstd-oci' });
    // Back to OCI: the same documents as the original (new bytes: ferry writes its own fixed key order).
    const zstdTarget = await imageTarget('example.com/app:zstd');
    expect((await readDocument(store, back.target, IndexSchema)).value).toEqual((await readDocument(store, zstdTarget, IndexSchema)).value);
    for (const { manifest, desc } of await platformManifests(back.target)) {
      const twin = zstdImage.manifests.find((m) => m.platform.architecture === desc.platform!.architecture)!;
      expect(manifest).toEqual(JSON.parse(twin.bytes.toString()));
      expect(desc.digest).toBe(twin.desc.digest);
    }
    expect(original.mediaType).toBe(MediaType.ociIndex);
  });
});

describeInterop('skopeo reads what convert wrote', [SKOPEO_NEED], () => {
  it.each([
    ['example.com/app:zstd-from-gzip', MediaType.ociLayerZstd],
    ['example.com/app:none-from-zstd', MediaType.ociLayer],
    ['example.com/app:zstd-oci', MediaType.ociLayerZstd],
  ])('skopeo inspect oci:STORE:%s', async (name, layerType) => {
    const raw = JSON.parse(run('skopeo', ['inspect', '--raw', `oci:${root.dir}:${name}`])) as { mediaType: string };
    expect(raw.mediaType).toBe(MediaType.ociIndex);
    const info = JSON.parse(run('skopeo', ['inspect', '--override-arch', 'arm64', '--override-variant', 'v8', `oci:${root.dir}:${name}`])) as {
      Architecture: string;
      Layers: string[];
    };
    expect(info.Architecture).toBe('arm64');
    const arm = (await platformManifests(await imageTarget(name))).find((m) => m.arch === 'arm64')!;
    expect(info.Layers).toEqual(arm.manifest.layers.map((l) => l.digest));
    expect(arm.manifest.layers.map((l) => l.mediaType)).toEqual([layerType, layerType]);
  });
});
