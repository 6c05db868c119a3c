import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { extractArtifact, pickLayers } from '../../src/artifact/extract.js';
import { declaresTar, layerKind } from '../../src/artifact/layer-kind.js';
import { DEFAULT_ARTIFACT_TYPE, packArtifact } from '../../src/artifact/pack.js';
import { checkTitle } from '../../src/artifact/title.js';
import { Annotation, type Descriptor } from '../../src/oci/descriptor.js';
import { digestOf } from '../../src/oci/digest.js';
import { EMPTY_JSON, MediaType } from '../../src/oci/mediatypes.js';
import type { ImageManifest } from '../../src/oci/schemas.js';
import { compress } from '../helpers/image-builder.js';
import { MemoryContent } from '../helpers/memory-content.js';
import { tarBytes } from '../helpers/tar.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-artifact-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const titled = (content: MemoryContent, mediaType: string, bytes: Buffer | string, title?: string): Descriptor =>
  content.put(mediaType, bytes, title === undefined ? {} : { annotations: { [Annotation.title]: title } });

const artifact = (layers: Descriptor[]): ImageManifest => ({ schemaVersion: 2, mediaType: MediaType.ociManifest, artifactType: 'application/x-test', config: { ...EMPTY_JSON }, layers });

async function listFiles(root: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(root, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await listFiles(root, rel)));
    else out.push(rel);
  }
  return out.sort();
}

describe('checkTitle', () => {
  it.each(['model.bin', 'sbom.spdx.json', '..hidden', 'a b'])('accepts the plain file name %j', (title) => {
    expect(checkTitle(title, 'x')).toBe(title);
  });
  it.each(['', '.', '..', '../etc/passwd', '/etc/passwd', 'a/b', 'a\\b', 'a\0b', 'x'.repeat(256)])('refuses %j with ERR_UNSAFE_PATH', (title) => {
    expect(() => checkTitle(title, 'x')).toThrow(expect.objectContaining({ code: 'ERR_UNSAFE_PATH' }));
  });
});

describe('packArtifact', () => {
  it('streams files into titled layers under an empty config, with a fixed key order and no timestamp', async () => {
    await writeFile(join(dir, 'weights.bin'), Buffer.alloc(300_000, 7));
    await writeFile(join(dir, 'config.json'), '{"layers": 2}');
    const content = new MemoryContent();
    const subject: Descriptor = { mediaType: MediaType.ociIndex, digest: digestOf('subject'), size: 7, annotations: { dropped: 'yes' } };
    const files = [{ path: join(dir, 'weights.bin'), mediaType: 'application/vnd.cnai.model.layer.v1.tar' }, { path: join(dir, 'config.json') }];
    const packed = await packArtifact(content, files, { artifactType: 'application/vnd.cnai.model.manifest.v1+json', mediaType: 'application/json', annotations: { z: '1', a: '2' }, subject });
    const manifest = JSON.parse(packed.bytes.toString());
    expect(Object.keys(manifest)).toEqual(['schemaVersion', 'mediaType', 'artifactType', 'config', 'layers', 'subject', 'annotations']);
    expect(manifest.config).toEqual(EMPTY_JSON);
    expect(manifest.layers).toEqual([
      { mediaType: 'application/vnd.cnai.model.layer.v1.tar', digest: digestOf(Buffer.alloc(300_000, 7)), size: 300_000, annotations: { [Annotation.title]: 'weights.bin' } },
      { mediaType: 'application/json', digest: digestOf('{"layers": 2}'), size: 13, annotations: { [Annotation.title]: 'config.json' } },
    ]);
    expect(manifest.subject).toEqual({ mediaType: MediaType.ociIndex, digest: subject.digest, size: 7 });
    expect(Object.keys(manifest.annotations)).toEqual(['a', 'z']);
    expect(packed.desc).toEqual({ mediaType: MediaType.ociManifest, digest: digestOf(packed.bytes), size: packed.bytes.length, artifactType: manifest.artifactType });
    for (const blob of packed.blobs) expect(content.blobs.has(blob.digest), blob.digest).toBe(true);
    expect(content.blobs.get(EMPTY_JSON.digest)!.toString()).toBe('{}');
    // Deterministic: the same files and options give the same manifest.
    expect((await packArtifact(new MemoryContent(), files, { artifactType: manifest.artifactType, mediaType: 'application/json', annotations: { a: '2', z: '1' }, subject })).desc.digest).toBe(packed.desc.digest);
  });

  it('defaults the artifact type and the layer media type', async () => {
    await writeFile(join(dir, 'a.txt'), 'a');
    const manifest = JSON.parse((await packArtifact(new MemoryContent(), [{ path: join(dir, 'a.txt') }])).bytes.toString());
    expect(manifest.artifactType).toBe(DEFAULT_ARTIFACT_TYPE);
    expect(manifest.layers[0].mediaType).toBe('application/octet-stream');
    expect(manifest.annotations).toBeUndefined();
  });

  it.each([
    { what: 'no files', files: () => [], code: 'ERR_USAGE' },
    { what: 'a directory', files: () => [{ path: dir }], code: 'ERR_USAGE' },
    { what: 'two files of one name', files: () => [{ path: join(dir, 'a.txt') }, { path: join(dir, 'sub', 'a.txt') }], code: 'ERR_CONFLICT' },
  ])('refuses $what', async ({ files, code }) => {
    await mkdir(join(dir, 'sub'));
    await writeFile(join(dir, 'a.txt'), 'a');
    await writeFile(join(dir, 'sub', 'a.txt'), 'b');
    await expect(packArtifact(new MemoryContent(), files())).rejects.toMatchObject({ code });
  });
});

describe('layerKind', () => {
  it.each([
    ['application/vnd.oci.image.layer.v1.tar', true],
    ['application/vnd.oci.image.layer.v1.tar+gzip', true],
    ['application/vnd.cnai.model.layer.v1.tar+zstd', true],
    ['application/vnd.docker.image.rootfs.diff.tar.gzip', true],
    ['application/octet-stream', false],
    ['application/x-tarball', false],
  ])('declaresTar(%s) is %s', (mediaType, expected) => {
    expect(declaresTar(mediaType)).toBe(expected);
  });

  it.each([
    { what: 'a titled tar with a tar type', type: MediaType.ociLayer, body: 'tar', compression: 'none', titled: true, kind: 'tar' },
    { what: 'a titled gzip tar with a tar type', type: MediaType.ociLayerGzip, body: 'tar', compression: 'gzip', titled: true, kind: 'tar' },
    { what: 'a titled plain file with a tar type (oras default)', type: MediaType.ociLayer, body: 'text', compression: 'none', titled: true, kind: 'file' },
    { what: 'a titled tar with a non-tar type', type: 'application/octet-stream', body: 'tar', compression: 'none', titled: true, kind: 'file' },
    { what: 'an untitled zstd tar of a custom type (sniffed)', type: 'application/x-custom', body: 'tar', compression: 'zstd', titled: false, kind: 'tar' },
    { what: 'an untitled plain file', type: 'application/x-custom', body: 'text', compression: 'none', titled: false, kind: 'file' },
  ])('$what is a $kind', async ({ type, body, compression, titled, kind }) => {
    const content = new MemoryContent();
    const raw = body === 'tar' ? await tarBytes([{ name: 'f', data: 'x' }]) : Buffer.from('just text\n'.repeat(100));
    const layer = content.put(type, compress(raw, compression));
    expect((await layerKind(content, layer, titled)).kind).toBe(kind);
  });
});

describe('extractArtifact', () => {
  it('writes titled layers as files and merges tar layers, in manifest order, verified', async () => {
    const content = new MemoryContent();
    const layers = [
      titled(content, 'application/vnd.cnai.model.layer.v1.tar', await tarBytes([{ name: 'model/', type: 'directory' }, { name: 'model/a.bin', data: 'A' }])),
      titled(content, MediaType.ociLayerGzip, gzipSync(await tarBytes([{ name: 'model/b.bin', data: 'B' }, { name: 'model/link', type: 'symlink', linkname: 'a.bin' }]))),
      titled(content, 'application/json', '{"k":1}', 'config.json'),
      titled(content, 'application/x-notes', 'no title'),
    ];
    const out = join(dir, 'out');
    const extracted = await extractArtifact(content, artifact(layers), 'test', out);
    expect(extracted.map((l) => l.as)).toEqual(['tar', 'tar', 'file', 'file']);
    const untitled = layers[3]!.digest.slice('sha256:'.length);
    expect(await listFiles(out)).toEqual(['config.json', 'model/a.bin', 'model/b.bin', 'model/link', untitled].sort());
    expect(await readFile(join(out, 'model/link'), 'utf8')).toBe('A');
    expect(await readFile(join(out, 'config.json'), 'utf8')).toBe('{"k":1}');
    expect(await readFile(join(out, untitled), 'utf8')).toBe('no title');
  });

  it('picks one layer by index or title with --layer, and names the choices otherwise', async () => {
    const content = new MemoryContent();
    const layers = [titled(content, 'text/plain', 'one', 'one.txt'), titled(content, 'text/plain', 'two', 'two.txt')];
    expect(pickLayers(layers, 'x', '1')).toEqual([layers[1]]);
    expect(pickLayers(layers, 'x', 'one.txt')).toEqual([layers[0]]);
    expect(() => pickLayers(layers, 'x', '7')).toThrow(expect.objectContaining({ code: 'ERR_NOT_FOUND', hint: expect.stringContaining('0 (one.txt), 1 (two.txt)') }));
    await extractArtifact(content, artifact(layers), 'x', join(dir, 'out'), { layer: 'two.txt' });
    expect(await listFiles(join(dir, 'out'))).toEqual(['two.txt']);
  });

  it.each([
    { what: 'a title climbing out', layer: async (c: MemoryContent) => titled(c, 'text/plain', 'x', '../escape'), code: 'ERR_UNSAFE_PATH' },
    { what: 'an absolute title', layer: async (c: MemoryContent) => titled(c, 'text/plain', 'x', '/etc/passwd'), code: 'ERR_UNSAFE_PATH' },
    { what: 'a tar entry climbing out', layer: async (c: MemoryContent) => titled(c, MediaType.ociLayer, await tarBytes([{ name: '../escape', data: 'x' }])), code: 'ERR_UNSAFE_PATH' },
    {
      what: 'a blob that does not match its digest',
      layer: async (c: MemoryContent) => {
        const desc = titled(c, 'text/plain', 'good', 'f.txt');
        c.blobs.set(desc.digest, Buffer.from('evil'));
        return desc;
      },
      code: 'ERR_DIGEST_MISMATCH',
    },
    {
      what: 'a tar blob that does not match its digest',
      layer: async (c: MemoryContent) => {
        const desc = titled(c, MediaType.ociLayer, await tarBytes([{ name: 'f', data: 'good' }]));
        c.blobs.set(desc.digest, await tarBytes([{ name: 'f', data: 'evil' }]));
        return desc;
      },
      code: 'ERR_DIGEST_MISMATCH',
    },
  ])('refuses $what and leaves nothing behind', async ({ layer, code }) => {
    const content = new MemoryContent();
    const good = titled(content, 'text/plain', 'fine', 'fine.txt');
    await expect(extractArtifact(content, artifact([good, await layer(content)]), 'x', join(dir, 'out'))).rejects.toMatchObject({ code });
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses a directory that is not empty, and fills an empty one', async () => {
    const content = new MemoryContent();
    const layers = [titled(content, 'text/plain', 'x', 'x.txt')];
    await mkdir(join(dir, 'full'));
    await writeFile(join(dir, 'full', 'keep'), 'mine');
    await expect(extractArtifact(content, artifact(layers), 'x', join(dir, 'full'))).rejects.toMatchObject({ code: 'ERR_CONFLICT' });
    expect(await readdir(join(dir, 'full'))).toEqual(['keep']);
    await mkdir(join(dir, 'empty'));
    await extractArtifact(content, artifact(layers), 'x', join(dir, 'empty'));
    expect(await readdir(join(dir, 'empty'))).toEqual(['x.txt']);
  });
});
