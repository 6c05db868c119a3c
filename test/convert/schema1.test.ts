import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { convertSchema1, SCHEMA1_SOURCE_ANNOTATION, type Schema1Source } from '../../src/convert/index.js';
import { readDocument } from '../../src/graph/read-document.js';
import type { Descriptor } from '../../src/oci/descriptor.js';
import { MediaType } from '../../src/oci/mediatypes.js';
import { ImageConfigSchema, ManifestSchema } from '../../src/oci/schemas.js';
import { type BuiltManifest, buildImage } from '../helpers/image-builder.js';
import { MemoryContent } from '../helpers/memory-content.js';
import { unpackedTree } from './helpers.js';
import { schema1Payload, signSchema1 } from '../helpers/schema1.js';

/** MemoryContent with the `stat` schema1 conversion needs (schema1 manifests record no sizes). */
class Schema1Memory extends MemoryContent implements Schema1Source {
  async stat(digest: string): Promise<{ size: number } | undefined> {
    const bytes = this.blobs.get(digest);
    return bytes ? { size: bytes.length } : undefined;
  }
}

let original: BuiltManifest;
let content: Schema1Memory;
let emptyLayer: Descriptor;
let expectedTree: string[];

beforeAll(async () => {
  const image = await buildImage({ platforms: [{ os: 'linux', architecture: 'amd64' }], compression: 'gzip' });
  original = image.manifests[0]!;
  content = new Schema1Memory(image.content.blobs);
  // An empty tar (two zero blocks), gzipped: what schema1 images carried for every metadata-only step.
  emptyLayer = content.put(MediaType.dockerLayerGzip, gzipSync(Buffer.alloc(1024)));
  expectedTree = await unpackedTree(content, original.desc);
});

describe('convertSchema1', () => {
  it.each([
    ['unsigned', MediaType.dockerSchema1, () => schema1Payload(original, emptyLayer), 'unsigned'],
    ['signed (ES256, P-256)', MediaType.dockerSchema1Signed, () => signSchema1(schema1Payload(original, emptyLayer)), 'valid'],
    ['signed, then altered', MediaType.dockerSchema1Signed, () => signSchema1(schema1Payload(original, emptyLayer), true), 'invalid'],
  ] as const)('%s: converts and unpacks to the same rootfs', async (_what, mediaType, bytes, status) => {
    const desc = content.put(mediaType, bytes());
    const sink = new MemoryContent();
    const result = await convertSchema1(content, sink, desc);
    expect(result.signature.status).toBe(status);
    if (status !== 'unsigned') expect(result.signature.signatures[0]).toMatchObject({ alg: 'ES256', kid: 'TEST:KEY' });
    expect(result.manifest.annotations).toEqual({ [SCHEMA1_SOURCE_ANNOTATION]: desc.digest });
    expect(result.emptyLayers).toEqual([emptyLayer.digest, emptyLayer.digest]);

    const both = new MemoryContent([...content.blobs, ...sink.blobs]);
    const manifest = (await readDocument(both, result.manifest, ManifestSchema)).value;
    expect(manifest.mediaType).toBe(MediaType.ociManifest);
    expect(manifest.annotations).toEqual({ [SCHEMA1_SOURCE_ANNOTATION]: desc.digest });
    expect(manifest.layers).toEqual(original.layers.map((l) => ({ ...l.desc, mediaType: MediaType.ociLayerGzip })));
    const config = (await readDocument(both, manifest.config, ImageConfigSchema)).value;
    expect(config.rootfs.diff_ids).toEqual(original.layers.map((l) => l.diffID));
    expect(config).toMatchObject({ architecture: 'amd64', os: 'linux', config: { Cmd: ['/bin/sh'] } });
    expect(config).not.toHaveProperty('id');
    expect(config).not.toHaveProperty('parent');
    expect(config.history?.map((h) => [h.created_by, h.empty_layer ?? false])).toEqual([
      ['/bin/sh -c ADD base', false],
      ['/bin/sh -c #(nop) ENV A=1', true],
      ['/bin/sh -c ADD app', false],
      ['/bin/sh -c #(nop) CMD ["/bin/sh"]', true],
    ]);
    expect(await unpackedTree(both, result.manifest)).toEqual(expectedTree);
  });

  it('to Docker schema2: docker media types, the label only on the descriptor', async () => {
    const desc = content.put(MediaType.dockerSchema1, schema1Payload(original, emptyLayer));
    const sink = new MemoryContent();
    const result = await convertSchema1(content, sink, desc, { format: 'docker' });
    const manifest = (await readDocument(sink, result.manifest, ManifestSchema)).value;
    expect(manifest.mediaType).toBe(MediaType.dockerManifest);
    expect(manifest.config.mediaType).toBe(MediaType.dockerConfig);
    expect(manifest.layers.every((l) => l.mediaType === MediaType.dockerLayerGzip)).toBe(true);
    expect(manifest.annotations).toBeUndefined();
    expect(result.manifest.annotations).toEqual({ [SCHEMA1_SOURCE_ANNOTATION]: desc.digest });
  });

  it('a missing layer blob → ERR_BLOB_MISSING naming it, before any work', async () => {
    const partial = new Schema1Memory([...content.blobs].filter(([digest]) => digest !== original.layers[1]!.desc.digest));
    const desc = partial.put(MediaType.dockerSchema1, schema1Payload(original, emptyLayer));
    const err = await convertSchema1(partial, new MemoryContent(), desc).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_BLOB_MISSING', digest: original.layers[1]!.desc.digest, hint: expect.stringContaining('all its layers') });
  });

  it('fsLayers and history of different lengths → ERR_INVALID_DOCUMENT', async () => {
    const bad = JSON.parse(schema1Payload(original, emptyLayer).toString()) as { history: unknown[] };
    bad.history.pop();
    const desc = content.put(MediaType.dockerSchema1, JSON.stringify(bad));
    await expect(convertSchema1(content, new MemoryContent(), desc)).rejects.toMatchObject({ code: 'ERR_INVALID_DOCUMENT' });
  });
});
