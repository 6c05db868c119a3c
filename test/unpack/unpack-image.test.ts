import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isFerryError } from '../../src/errors.js';
import { digestOf } from '../../src/oci/digest.js';
import { MediaType } from '../../src/oci/mediatypes.js';
import { chainIDs } from '../../src/oci/chain-ids.js';
import { unpackImage } from '../../src/unpack/unpack-image.js';
import { buildImage } from '../helpers/image-builder.js';
import { MemoryContent } from '../helpers/memory-content.js';
import { tarBytes } from '../helpers/tar.js';
import { tree } from './sandbox.js';

const AMD64 = [{ os: 'linux', architecture: 'amd64' }];
const EXPECTED_TREE = [
  'app/',
  'app/current -> linux-amd64.txt',
  'app/linux-amd64.txt',
  'app/platform',
  'bin/',
  'bin/sh',
  'data/',
  'data/keep.txt',
  'etc/',
  'etc/os-release',
];

describe('unpackImage', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-unpack-image-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it.each(['gzip', 'none', 'zstd'] as const)('unpacks a 2-layer %s image to the expected tree', async (compression) => {
    const image = await buildImage({ platforms: AMD64, compression });
    const [manifest] = image.manifests;
    const rootfs = join(dir, 'rootfs');
    const result = await unpackImage(
      image.content,
      manifest!.layers.map((l) => l.desc),
      manifest!.layers.map((l) => l.diffID),
      rootfs,
    );
    expect(result.diffIDs).toEqual(manifest!.layers.map((l) => l.diffID));
    expect(result.warnings).toEqual([]);
    expect(await tree(rootfs)).toEqual(EXPECTED_TREE);
    expect((await stat(join(rootfs, 'bin/sh'))).mode & 0o777).toBe(0o755);
    expect((await stat(join(rootfs, 'etc/os-release'))).mode & 0o777).toBe(0o644);
    expect(await readFile(join(rootfs, 'app/current'), 'utf8')).toBe('built for linux/amd64 (ferry)\n');
    const [platform, target] = await Promise.all([stat(join(rootfs, 'app/platform')), stat(join(rootfs, 'app/linux-amd64.txt'))]);
    expect(platform.ino).toBe(target.ino);
    expect(result.layers.map((l) => l.whiteouts)).toEqual([0, 1]);
  });

  it('sniffs compression from the data, not the media type', async () => {
    const tar = await tarBytes([{ name: 'hello.txt', data: 'hi' }]);
    const content = new MemoryContent();
    // Labelled uncompressed, actually gzip.
    const layer = content.put(MediaType.ociLayer, gzipSync(tar));
    await unpackImage(content, [layer], [digestOf(tar)], dir);
    expect(await readFile(join(dir, 'hello.txt'), 'utf8')).toBe('hi');
  });

  it('fails on a diffID mismatch naming the layer, and reports no success', async () => {
    const image = await buildImage({ platforms: AMD64 });
    const [manifest] = image.manifests;
    const layers = manifest!.layers.map((l) => l.desc);
    const wrong = digestOf('not the layer');
    const warnings: string[] = [];
    const err = await unpackImage(image.content, layers, [manifest!.layers[0]!.diffID, wrong], dir, { onWarning: (w) => warnings.push(w) }).catch(
      (e: unknown) => e,
    );
    expect(isFerryError(err, 'ERR_DIGEST_MISMATCH'), String(err)).toBe(true);
    expect((err as Error).message).toContain(`layer 2 of 2 (${layers[1]!.digest})`);
    expect((err as Error).message).toContain(wrong);
    expect(warnings).toEqual([]);
  });

  it('fails when a layer blob does not match its descriptor', async () => {
    const image = await buildImage({ platforms: AMD64, compression: 'none' });
    const [manifest] = image.manifests;
    const layer = manifest!.layers[1]!;
    const bytes = Buffer.from(image.content.blobs.get(layer.desc.digest)!);
    const at = bytes.indexOf('built for'); // file content: the tar still parses
    bytes[at] = bytes[at]! ^ 1;
    image.content.blobs.set(layer.desc.digest, bytes);
    const err = await unpackImage(image.content, manifest!.layers.map((l) => l.desc), manifest!.layers.map((l) => l.diffID), dir).catch((e: unknown) => e);
    expect(isFerryError(err, 'ERR_DIGEST_MISMATCH'), String(err)).toBe(true);
    expect((err as Error).message).toContain(layer.desc.digest);
  });

  it('fails on a foreign layer absent from the source with a hint naming its URLs', async () => {
    const tar = await tarBytes([{ name: 'Files/', type: 'directory' }]);
    const foreign = {
      mediaType: MediaType.dockerForeignLayerGzip,
      digest: digestOf(gzipSync(tar)),
      size: gzipSync(tar).length,
      urls: ['https://mcr.example/layer'],
    };
    const err = await unpackImage(new MemoryContent(), [foreign], [digestOf(tar)], dir).catch((e: unknown) => e);
    expect(isFerryError(err, 'ERR_BLOB_MISSING'), String(err)).toBe(true);
    expect((err as Error).message).toContain('foreign');
    expect((err as { hint?: string }).hint).toContain('https://mcr.example/layer');
  });

  it('refuses a manifest and config that disagree on the number of layers', async () => {
    const image = await buildImage({ platforms: AMD64 });
    const [manifest] = image.manifests;
    const err = await unpackImage(image.content, manifest!.layers.map((l) => l.desc), [manifest!.layers[0]!.diffID], dir).catch((e: unknown) => e);
    expect(isFerryError(err, 'ERR_INVALID_DOCUMENT'), String(err)).toBe(true);
  });
});

describe('chainIDs', () => {
  it('follows the image-spec definition', () => {
    const diffIDs = ['a', 'b', 'c'].map((s) => digestOf(s));
    const sha = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;
    const second = sha(`${diffIDs[0]} ${diffIDs[1]}`);
    expect(chainIDs(diffIDs)).toEqual([diffIDs[0], second, sha(`${second} ${diffIDs[2]}`)]);
    expect(chainIDs([])).toEqual([]);
  });

  it('refuses a diffID that is not a digest', () => {
    expect(() => chainIDs(['sha256:../../etc'])).toThrow(/invalid digest/);
  });
});
