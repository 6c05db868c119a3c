import { generateKeyPairSync, sign } from 'node:crypto';
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

/** fsLayers and history, top layer first, as schema1 lists them. */
function schema1Payload(): Buffer {
  const [shared, own] = original.layers.map((l) => l.desc.digest);
  const step = (id: string, cmd: string, extra: object = {}) =>
    JSON.stringify({ id, created: '2016-01-01T00:00:00Z', container_config: { Cmd: ['/bin/sh', '-c', cmd] }, ...extra });
  const top = JSON.stringify({
    id: 'd4',
    parent: 'c3',
    created: '2016-01-04T00:00:00Z',
    architecture: 'amd64',
    os: 'linux',
    config: { Env: ['PATH=/usr/bin:/bin'], Cmd: ['/bin/sh'] },
    container_config: { Cmd: ['/bin/sh', '-c', '#(nop) CMD ["/bin/sh"]'] },
  });
  const manifest = {
    schemaVersion: 1,
    name: 'library/app',
    tag: 'old',
    architecture: 'amd64',
    fsLayers: [{ blobSum: emptyLayer.digest }, { blobSum: own }, { blobSum: emptyLayer.digest }, { blobSum: shared }],
    history: [
      { v1Compatibility: top },
      { v1Compatibility: step('c3', 'ADD app', { parent: 'b2' }) },
      { v1Compatibility: step('b2', '#(nop) ENV A=1', { parent: 'a1', throwaway: true }) },
      { v1Compatibility: step('a1', 'ADD base') },
    ],
  };
  return Buffer.from(JSON.stringify(manifest, null, 3));
}

/** libtrust's pretty JWS: the signatures spliced in before the closing brace, found again via formatLength/formatTail. */
function signSchema1(payload: Buffer, tamper = false): Buffer {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const tail = Buffer.from('\n}');
  const formatLength = payload.length - tail.length;
  const protectedHeader = Buffer.from(JSON.stringify({ formatLength, formatTail: tail.toString('base64url'), time: '2016-01-05T00:00:00Z' })).toString('base64url');
  const signed = tamper ? Buffer.from(payload.toString().replace('"tag": "old"', '"tag": "new"')) : payload;
  const signature = sign('sha256', Buffer.from(`${protectedHeader}.${payload.toString('base64url')}`), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  const jws = { header: { jwk: { ...publicKey.export({ format: 'jwk' }), kid: 'TEST:KEY' }, alg: 'ES256' }, signature: signature.toString('base64url'), protected: protectedHeader };
  const body = signed.subarray(0, signed.length - tail.length);
  return Buffer.concat([body, Buffer.from(`,\n   "signatures": ${JSON.stringify([jws], null, 3)}`), tail]);
}

describe('convertSchema1', () => {
  it.each([
    ['unsigned', MediaType.dockerSchema1, () => schema1Payload(), 'unsigned'],
    ['signed (ES256, P-256)', MediaType.dockerSchema1Signed, () => signSchema1(schema1Payload()), 'valid'],
    ['signed, then altered', MediaType.dockerSchema1Signed, () => signSchema1(schema1Payload(), true), 'invalid'],
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
    const desc = content.put(MediaType.dockerSchema1, schema1Payload());
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
    const desc = partial.put(MediaType.dockerSchema1, schema1Payload());
    const err = await convertSchema1(partial, new MemoryContent(), desc).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_BLOB_MISSING', digest: original.layers[1]!.desc.digest, hint: expect.stringContaining('all its layers') });
  });

  it('fsLayers and history of different lengths → ERR_INVALID_DOCUMENT', async () => {
    const bad = JSON.parse(schema1Payload().toString()) as { history: unknown[] };
    bad.history.pop();
    const desc = content.put(MediaType.dockerSchema1, JSON.stringify(bad));
    await expect(convertSchema1(content, new MemoryContent(), desc)).rejects.toMatchObject({ code: 'ERR_INVALID_DOCUMENT' });
  });
});
