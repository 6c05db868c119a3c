/**
 * The archive ends of the copy engine under their contracts (archive-ends-contract.ts): the writer over each
 * holding area ferry gives it (a staging area, as merge's scratch store; an overlay of the store, as export;
 * memory), and the staged archive reader over OCI layouts and docker save archives read into a staging area
 * whose store holds a blob the archive did not carry. Then the engine itself copies from a staged archive.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readArchive, StagedArchive } from '../../src/archive/read/index.js';
import { transferImage } from '../../src/graph/copy.js';
import { OverlaySource } from '../../src/graph/overlay-source.js';
import { digestOf } from '../../src/oci/digest.js';
import { selectPlatforms } from '../../src/ops/policy/platform-filter.js';
import { Store } from '../../src/store/index.js';
import { legacyDockerSaveTar, ociLayoutTar } from '../helpers/archive-fixtures.js';
import { buildImage, FOUR_PLATFORMS, type BuiltImage } from '../helpers/image-builder.js';
import { MemoryContent } from '../helpers/memory-content.js';
import { readTar } from '../helpers/tar.js';
import { tempDir } from '../helpers/temp-dir.js';
import { archiveWriterContract, stagedArchiveContract, type StagedUnderTest } from './archive-ends-contract.js';
import { layer } from './content-contract.js';

archiveWriterContract('a staging area of the store', async () => {
  const tmp = await tempDir('ferry-contract-writer-');
  const staging = await (await Store.open(tmp.dir)).stage();
  const close = async () => {
    await staging.abort();
    await tmp.cleanup();
  };
  return { holding: staging, close };
});

archiveWriterContract('an overlay of the store (as export holds)', async () => {
  const tmp = await tempDir('ferry-contract-overlay-');
  return { holding: new OverlaySource(await Store.open(tmp.dir)), close: tmp.cleanup };
});

archiveWriterContract('the in-memory store', async () => ({ holding: new MemoryContent(), close: async () => undefined }));

let image: BuiltImage | undefined;
const realistic = async () => (image ??= await buildImage({ platforms: FOUR_PLATFORMS, attestations: true, padding: 512 * 1024, seed: 'staged' }));

/** Reads `tar` into a staging area of a store that already holds one blob the archive does not carry. */
async function staged(tar: Buffer, carried: Buffer[]): Promise<StagedUnderTest> {
  const tmp = await tempDir('ferry-contract-staged-');
  const store = await Store.open(tmp.dir);
  const foreignBytes = randomBytes(50_000);
  const foreign = layer(foreignBytes);
  await store.write(foreign, Readable.from([foreignBytes]));
  const staging = await store.stage();
  const contents = await readArchive(Readable.from([tar]), staging, { where: 'contract.tar' });
  const close = async () => {
    await staging.abort();
    await tmp.cleanup();
  };
  return { source: new StagedArchive(contents, staging, 'contract.tar'), carried, contents, foreign, close };
}

stagedArchiveContract('OCI layout of 4 platforms with attestations', async () => {
  const built = await realistic();
  const tar = await ociLayoutTar({ images: [{ image: built, containerdName: 'docker.io/library/staged:1' }] });
  const carried = (await readTar(tar)).filter((e) => e.name.startsWith('blobs/sha256/') && e.type === 'file').map((e) => e.data);
  return staged(tar, carried);
});

stagedArchiveContract('docker save (legacy layout, uncompressed layers)', async () => {
  const built = await realistic();
  const tar = await legacyDockerSaveTar(built.manifests[0]!, { repoTags: ['staged:1'] });
  const carried = (await readTar(tar)).filter((e) => e.type === 'file' && (e.name.endsWith('/layer.tar') || /^[0-9a-f]{64}\.json$/.test(e.name))).map((e) => e.data);
  return staged(tar, carried);
});

describe('the engine copies from a staged archive', () => {
  it('every platform and attestation of an OCI layout, blob for blob, into another end', async () => {
    const built = await realistic();
    const under = await staged(await ociLayoutTar({ images: [{ image: built, containerdName: 'docker.io/library/staged:1' }] }), []);
    try {
      const target = new MemoryContent();
      const moved = await transferImage(under.source, target, built.index.desc, { selection: selectPlatforms({ allPlatforms: true }), completeIndex: true });
      expect(moved.target.digest).toBe(built.index.desc.digest);
      expect(moved.incomplete).toEqual([]);
      expect([...target.blobs.keys()].sort()).toEqual([...built.content.blobs.keys()].sort());
      for (const [digest, bytes] of target.blobs) expect(digestOf(bytes)).toBe(digest);
    } finally {
      await under.close();
    }
  });

  it('a platform the archive lacks a layer of is left out, even when the store behind the staging area holds that layer', async () => {
    const built = await realistic();
    const lacking = built.manifests[1]!.layers[1]!;
    const tmp = await tempDir('ferry-staged-lacking-');
    try {
      const store = await Store.open(tmp.dir);
      await store.write(lacking.desc, Readable.from([built.content.blobs.get(lacking.desc.digest)!]));
      const staging = await store.stage();
      const tar = await ociLayoutTar({ images: [{ image: built, containerdName: 'docker.io/library/staged:1' }], omit: new Set([lacking.desc.digest]) });
      const source = new StagedArchive(await readArchive(Readable.from([tar]), staging, { where: 'lacking.tar' }), staging, 'lacking.tar');
      const target = new MemoryContent();
      const moved = await transferImage(source, target, built.index.desc, { selection: selectPlatforms({ allPlatforms: true }), completeIndex: true });
      expect(moved.incomplete).toEqual(['linux/arm64/v8']);
      expect(moved.platforms).not.toContain('linux/arm64/v8');
      expect(target.blobs.has(lacking.desc.digest)).toBe(false);
      await staging.abort();
    } finally {
      await tmp.cleanup();
    }
  });
});
