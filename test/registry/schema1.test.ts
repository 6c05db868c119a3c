/**
 * Schema1 images served by a registry (fault-server.ts on 127.0.0.1, serving a signed and an unsigned manifest)
 * are converted on arrival: pulled into the store, to an archive, or copied to another registry, they arrive as
 * Docker schema2 images that unpack to the same files as the image the schema1 manifest was made from.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHEMA1_SOURCE_ANNOTATION } from '../../src/convert/index.js';
import type { Descriptor } from '../../src/oci/descriptor.js';
import { digestOf } from '../../src/oci/digest.js';
import { MediaType } from '../../src/oci/mediatypes.js';
import { parseReference } from '../../src/oci/reference.js';
import { copyImage } from '../../src/ops/copy.js';
import { importArchive } from '../../src/ops/import-archive.js';
import { pullImage } from '../../src/ops/pull.js';
import { unpackToDirectory } from '../../src/ops/unpack-image.js';
import { openRepository } from '../../src/registry/index.js';
import { Store } from '../../src/store/index.js';
import { unpackedTree } from '../convert/helpers.js';
import { buildImage, type BuiltManifest } from '../helpers/image-builder.js';
import { MemoryContent } from '../helpers/memory-content.js';
import { schema1Payload, signSchema1 } from '../helpers/schema1.js';
import { startFaultServer, type FaultServer } from './fault-server.js';
import { tempDir } from '../helpers/temp-dir.js';
import { itInterop, REGISTRY_NEED } from '../interop/harness/requirements.js';
import { startRegistry } from './registry-server.js';

const AMD64 = { os: 'linux', architecture: 'amd64' };

describe('schema1 images from a registry', () => {
  let original: BuiltManifest;
  let content: MemoryContent;
  let expectedTree: string[];
  let server: FaultServer;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  const tags: Record<string, Descriptor> = {};

  beforeAll(async () => {
    const image = await buildImage({ platforms: [AMD64], seed: 'schema1-registry' });
    original = image.manifests[0]!;
    content = new MemoryContent(image.content.blobs);
    const emptyLayer = content.put(MediaType.dockerLayerGzip, gzipSync(Buffer.alloc(1024)));
    const payload = schema1Payload(original, emptyLayer);
    tags.unsigned = content.put(MediaType.dockerSchema1, payload);
    tags.signed = content.put(MediaType.dockerSchema1Signed, signSchema1(payload));
    expectedTree = await unpackedTree(image.content, original.desc);
    server = await startFaultServer(content, tags, {});
    tmp = await tempDir('ferry-schema1-registry-');
  });
  afterAll(async () => {
    await server?.stop();
    await tmp?.cleanup();
  });

  /** GETs of each blob the server answered: each must be downloaded once, conversion and copy together. */
  const blobGets = (repo: string) => {
    const counts = new Map<string, number>();
    for (const line of server.log.filter((l) => l.startsWith(`GET /v2/${repo}/blobs/`))) {
      const digest = line.split(' ')[1]!.split('/').pop()!;
      counts.set(digest, (counts.get(digest) ?? 0) + 1);
    }
    return counts;
  };

  it.each([
    ['an unsigned', 'unsigned'],
    ['a signed', 'signed'],
  ])('pulls %s schema1 manifest into the store as schema2, which unpacks to the original files', async (_label, tag) => {
    const store = await Store.open(join(tmp.dir, `store-${tag}`));
    const ref = `${server.host}/${tag}/old:${tag}`;
    const pulled = await pullImage(store, ref, { platform: ['linux/amd64'] });
    expect(pulled).toMatchObject({ name: ref, convertedFrom: tags[tag]!.digest, platforms: ['linux/amd64'], incomplete: [] });

    const record = await store.getImage(ref);
    expect(record).toMatchObject({ target: { mediaType: MediaType.dockerManifest, digest: pulled.digest }, annotations: { [SCHEMA1_SOURCE_ANNOTATION]: tags[tag]!.digest } });
    const manifest = JSON.parse((await store.readDocument(record!.target)).toString()) as { layers: Descriptor[] };
    expect(manifest.layers.map((l) => l.digest)).toEqual(original.layers.map((l) => l.desc.digest));
    expect(await unpackedTree(store, record!.target)).toEqual(expectedTree);

    const unpacked = await unpackToDirectory(store, ref, join(tmp.dir, `rootfs-${tag}`), {});
    expect(unpacked.manifest).toBe(pulled.digest);
    expect(await readFile(join(unpacked.dir, 'app', 'linux-amd64.txt'), 'utf8')).toContain('built for linux/amd64');

    expect([...blobGets(`${tag}/old`).values()].every((n) => n === 1)).toBe(true);
    expect(server.log.filter((l) => l.startsWith(`HEAD /v2/${tag}/old/blobs/`)).length).toBeGreaterThan(0);
  });

  it('pulls a schema1 image straight to an archive that imports as the same schema2 image', async () => {
    const store = await Store.open(join(tmp.dir, 'store-archive'));
    const out = join(tmp.dir, 'old.tar');
    const pulled = await pullImage(store, `${server.host}/library/old:signed`, { platform: ['linux/amd64'], output: out });
    expect(pulled).toMatchObject({ convertedFrom: tags.signed!.digest, platforms: ['linux/amd64'] });
    expect(await store.listImages()).toEqual([]);

    const imported = await importArchive(store, out, { allPlatforms: true, unpack: false });
    expect(imported.images[0]).toMatchObject({ digest: pulled.digest, mediaType: MediaType.dockerManifest, platforms: ['linux/amd64'] });
  });

  it('fails with ERR_BLOB_MISSING naming the layer when the registry lacks one', async () => {
    const partial = new MemoryContent([...content.blobs].filter(([digest]) => digest !== original.layers[1]!.desc.digest));
    const broken = await startFaultServer(partial, tags, {});
    try {
      const store = await Store.open(join(tmp.dir, 'store-broken'));
      await expect(pullImage(store, `${broken.host}/library/old:signed`, { platform: ['linux/amd64'] })).rejects.toMatchObject({
        code: 'ERR_BLOB_MISSING',
        digest: original.layers[1]!.desc.digest,
      });
      expect(await store.listImages()).toEqual([]);
    } finally {
      await broken.stop();
    }
  });

  itInterop('copies a schema1 image into docker-registry as schema2', [REGISTRY_NEED], async () => {
    const registry = await startRegistry();
    try {
      const store = await Store.open(join(tmp.dir, 'store-copy'));
      const to = `${registry.host}/team/old:1`;
      const copied = await copyImage(store, `docker://${server.host}/library/old:unsigned`, `docker://${to}`, { platform: ['linux/amd64'] });
      expect(copied).toMatchObject({ convertedFrom: tags.unsigned!.digest, registry: { uploaded: 3, manifests: 1 } });
      const fetched = await (await openRepository(parseReference(to))).getManifest('1');
      expect(fetched.desc).toMatchObject({ mediaType: MediaType.dockerManifest, digest: copied.digest });
      expect(digestOf(fetched.bytes)).toBe(copied.digest);
    } finally {
      await registry.stop();
    }
  });
});
