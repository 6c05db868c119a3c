/**
 * Push and pull against a real registry: Debian's `docker-registry` (distribution 2.8), started on 127.0.0.1 for
 * these tests. Skipped with a message when the package is not installed.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { digestOf } from '../../src/oci/digest.js';
import { EMPTY_JSON, MediaType } from '../../src/oci/mediatypes.js';
import { copyImage } from '../../src/ops/copy.js';
import { pullImage } from '../../src/ops/pull.js';
import { pushImage } from '../../src/ops/push.js';
import { listReferrers, openRepository, referrersTag } from '../../src/registry/index.js';
import { parseReference } from '../../src/oci/reference.js';
import { Store } from '../../src/store/index.js';
import { buildImage, SEVEN_PLATFORMS, type BuiltImage } from '../helpers/image-builder.js';
import { MemoryContent } from '../helpers/memory-content.js';
import { describeInterop, REGISTRY_NEED } from '../interop/harness/requirements.js';
import type { RunningRegistry } from './registry-server.js';
import { startRegistryWithImage, stopRegistryWithImage, storeHas, storeImage } from './fixtures.js';
import type { TempDir } from '../helpers/temp-dir.js';

const SEVEN = 'docker.io/library/seven:1';

/** Distinct manifests plus the index (BuildKit-style attestations of identical content share one manifest). */
function manifestCount(image: BuiltImage): number {
  return new Set([...image.manifests.map((m) => m.desc.digest), ...image.attestations.map((a) => a.desc.digest)]).size + 1;
}

function leafBlobs(image: BuiltImage): number {
  return image.content.blobs.size - manifestCount(image);
}

describeInterop('push and pull with docker-registry', [REGISTRY_NEED], () => {
  let registry: RunningRegistry;
  let tmp: TempDir;
  let store: Store;
  let image: BuiltImage;

  beforeAll(async () => {
    ({ registry, tmp, store, image } = await startRegistryWithImage('ferry-registry-test-', { platforms: SEVEN_PLATFORMS, attestations: true, seed: 'registry' }, SEVEN));
  });
  afterAll(() => stopRegistryWithImage({ registry, tmp }));

  const manifestOf = async (ref: string) => {
    const repo = await openRepository(parseReference(ref));
    return repo.getManifest(parseReference(ref).tag!);
  };

  it('pushes all 7 platforms and pulls them back into another store, byte for byte', async () => {
    const ref = `${registry.host}/team/seven:1`;
    const pushed = await pushImage(store, SEVEN, ref, { allPlatforms: true });
    expect(pushed).toMatchObject({ digest: image.index.desc.digest, platforms: expect.arrayContaining(['linux/amd64', 'linux/s390x']) });
    expect(pushed.platforms).toHaveLength(7);
    expect(pushed.registry).toMatchObject({ uploaded: leafBlobs(image), manifests: manifestCount(image) });
    expect((await manifestOf(ref)).bytes).toEqual(image.index.bytes);

    const other = await Store.open(join(tmp.dir, 'other'));
    const pulled = await pullImage(other, ref, { allPlatforms: true, jobs: 2 });
    expect(pulled).toMatchObject({ name: ref, digest: image.index.desc.digest, incomplete: [] });
    expect((await other.getImage(ref))?.target.digest).toBe(image.index.desc.digest);
    expect(await storeHas(other, image.content.blobs.keys())).toEqual([]);

    const again = await pushImage(store, SEVEN, ref, { allPlatforms: true });
    expect(again).toMatchObject({ blobs: 0, registry: { uploaded: 0, mounted: 0 } });
  });

  it('uploads in chunks when a blob is larger than the chunk size', async () => {
    const big = await buildImage({ platforms: [SEVEN_PLATFORMS[0]!], seed: 'chunks', padding: 200_000, compression: 'none' });
    const name = 'docker.io/library/big:1';
    await storeImage(store, big.content, name, big.index.desc);
    const ref = `${registry.host}/team/big:1`;
    const pushed = await pushImage(store, name, ref, { allPlatforms: true, access: { chunkSize: 64 * 1024 } });
    expect(pushed.registry?.uploaded).toBe(leafBlobs(big));
    const other = await Store.open(join(tmp.dir, 'big'));
    await pullImage(other, ref, { allPlatforms: true });
    expect(await storeHas(other, big.content.blobs.keys())).toEqual([]);
  });

  it('mounts blobs from a sibling repository when copying inside one registry', async () => {
    const from = `docker://${registry.host}/team/seven:1`;
    const to = `docker://${registry.host}/mirror/seven:1`;
    await pushImage(store, SEVEN, from.slice('docker://'.length), { allPlatforms: true });
    const copied = await copyImage(store, from, to, { allPlatforms: true });
    expect(copied.digest).toBe(image.index.desc.digest);
    expect(copied.registry).toMatchObject({ uploaded: 0, mounted: leafBlobs(image) });
  });

  it('pushes a partial index as an index of the platforms the store holds', async () => {
    const partialStore = await Store.open(join(tmp.dir, 'partial'));
    await pullImage(partialStore, `${registry.host}/team/seven:1`, { platform: ['linux/arm64', 'linux/ppc64le'] });
    const ref = `${registry.host}/team/partial:1`;
    const pushed = await pushImage(partialStore, `${registry.host}/team/seven:1`, ref, { allPlatforms: true });
    expect(pushed.originalDigest).toBe(image.index.desc.digest);
    expect(pushed.platforms.sort()).toEqual(['linux/arm64/v8', 'linux/ppc64le']);
    const index = JSON.parse((await manifestOf(ref)).bytes.toString()) as { manifests: { platform?: { architecture: string } }[] };
    expect(index.manifests.map((m) => m.platform?.architecture)).toEqual(expect.arrayContaining(['arm64', 'ppc64le']));
    expect(digestOf((await manifestOf(ref)).bytes)).toBe(pushed.digest);
  });

  it('pushes an artifact with a subject and lists it under the referrers fallback tag', async () => {
    const content = new MemoryContent();
    content.put(EMPTY_JSON.mediaType, Buffer.from('{}'));
    const layer = content.put('application/vnd.example.signature.v1', Buffer.from('signed: seven'), { annotations: { 'org.opencontainers.image.title': 'sig' } });
    const subject = image.index.desc;
    const bytes = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.ociManifest,
        artifactType: 'application/vnd.example.signature',
        config: { mediaType: EMPTY_JSON.mediaType, digest: EMPTY_JSON.digest, size: EMPTY_JSON.size },
        layers: [layer],
        subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
        annotations: { 'org.example.note': 'hello' },
      }),
    );
    const artifact = content.put(MediaType.ociManifest, bytes);
    const name = 'docker.io/library/seven-sig:1';
    await storeImage(store, content, name, artifact);
    const ref = `${registry.host}/team/seven:sig`;
    const pushed = await pushImage(store, name, ref);
    expect(pushed).toMatchObject({ digest: artifact.digest, platforms: ['unknown'], registry: { referrerTags: 1 } });

    const repo = await openRepository(parseReference(ref));
    const listed = await listReferrers(repo, subject.digest);
    expect(listed).toEqual({
      via: 'tag',
      referrers: [{ mediaType: MediaType.ociManifest, digest: artifact.digest, size: artifact.size, artifactType: 'application/vnd.example.signature', annotations: { 'org.example.note': 'hello' } }],
    });
    expect((await repo.getManifest(referrersTag(subject.digest))).desc.mediaType).toBe(MediaType.ociIndex);

    const other = await Store.open(join(tmp.dir, 'artifact'));
    const pulled = await pullImage(other, ref);
    expect(pulled.digest).toBe(artifact.digest);
    expect(await storeHas(other, content.blobs.keys())).toEqual([]);
  });

  it('pulls one platform straight to an archive that ferry can push again', async () => {
    const out = join(tmp.dir, 'arm64.tar');
    const pulled = await pullImage(store, `${registry.host}/team/seven:1`, { platform: ['linux/arm64'], output: out });
    expect(pulled).toMatchObject({ platforms: ['linux/arm64/v8'], originalDigest: image.index.desc.digest });
    const pushed = await pushImage(store, out, `${registry.host}/team/arm64:1`);
    expect(pushed.digest).toBe(pulled.digest);
  });
});
