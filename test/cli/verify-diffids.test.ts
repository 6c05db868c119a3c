/**
 * `ferry verify` checks every present layer's diffID, in the one pass that hashes the archive: a config whose
 * rootfs.diff_ids do not describe its layers (every blob digest valid) fails, from a file and from stdin, for gzip,
 * zstd and uncompressed (docker save) layers; foreign and absent layers are listed, not faulted; a decompression
 * bomb is refused as unpack refuses it. Archives written by real tools: test/interop/verify-corpus.test.ts.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isFerryError } from '../../src/errors.js';
import type { Descriptor } from '../../src/oci/descriptor.js';
import { digestOf } from '../../src/oci/digest.js';
import { MediaType } from '../../src/oci/mediatypes.js';
import { verifyArchive } from '../../src/ops/verify-archive.js';
import { legacyDockerSaveTar, ociLayoutTar } from '../helpers/archive-fixtures.js';
import { runFerry } from '../helpers/cli.js';
import { type BuiltImage, type BuiltManifest, buildImage, makeLayer, mediaTypes, putManifest } from '../helpers/image-builder.js';
import { tempDir } from '../helpers/temp-dir.js';
import { AMD64, ARM64 } from './airgap-fixtures.js';

const NAME = 'docker.io/library/diffids:1';
/** Per-platform layers of a few MiB, so the side decompression runs across many chunks. */
const PADDING = 3 * 1024 * 1024;

let tmp: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  tmp = await tempDir('ferry-verify-diffids-');
});
afterAll(() => tmp.cleanup());

/**
 * The image with its amd64 manifest replaced by one whose config claims arm64's diffID for the platform layer: every
 * blob is what its digest says, only the config lies (what a config copied from another image looks like).
 */
function lyingImage(image: BuiltImage, compression: 'gzip' | 'zstd' | 'none'): { top: Descriptor; lying: BuiltManifest } {
  const [amd, arm] = image.manifests as [BuiltManifest, BuiltManifest];
  const layers = [amd.layers[0]!, { ...amd.layers[1]!, diffID: arm.layers[1]!.diffID }];
  const lying = putManifest(image.content, mediaTypes('oci', compression), AMD64, layers, ['ADD base', 'ADD lie']);
  const top = image.content.put(MediaType.ociIndex, JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [lying.desc, arm.desc] }));
  return { top, lying };
}

function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(() => undefined, (err: unknown) => err);
}

async function write(name: string, bytes: Buffer): Promise<string> {
  const path = join(tmp.dir, name);
  await writeFile(path, bytes);
  return path;
}

describe.each(['gzip', 'zstd'] as const)('ferry verify of an OCI layout with %s layers', (compression) => {
  let image: BuiltImage;
  let whole: string;
  let lying: string;
  let lie: { top: Descriptor; lying: BuiltManifest };

  beforeAll(async () => {
    image = await buildImage({ platforms: [AMD64, ARM64], compression, padding: PADDING, seed: `diffids-${compression}` });
    whole = await write(`whole-${compression}.tar`, await ociLayoutTar({ images: [{ image, containerdName: NAME }] }));
    lie = lyingImage(image, compression);
    lying = await write(`lying-${compression}.tar`, await ociLayoutTar({ images: [{ image, containerdName: NAME, top: lie.top }] }));
  });

  it('checks every layer of every platform and exits 0', async () => {
    const result = await verifyArchive(whole);
    expect(result.complete).toBe(true);
    expect(result.diffIDs).toEqual({ checked: 4, unchecked: [] });
    const cli = await runFerry(['verify', whole]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(/complete; .*every file's digest verified, 4 layer diffIDs verified/);
  });

  it('fails a config whose diff_ids do not describe its layers, naming image, platform, layer and both diffIDs', async () => {
    const err = await rejection(verifyArchive(lying));
    expect(isFerryError(err, 'ERR_DIGEST_MISMATCH')).toBe(true);
    const layer = lie.lying.layers[1]!;
    expect((err as Error).message).toBe(
      `image ${NAME} (linux/amd64): layer 2 of 2 ${layer.desc.digest} decompresses to diffID ${image.manifests[0]!.layers[1]!.diffID}, but the config's rootfs.diff_ids says ${image.manifests[1]!.layers[1]!.diffID}`,
    );
    expect((err as { digest?: string }).digest).toBe(layer.desc.digest);
  });

  it.each([
    { from: 'a file', args: (path: string) => ['verify', path], stdin: false },
    { from: 'stdin', args: () => ['verify', '-'], stdin: true },
  ])('the lie from $from is one line on stderr and exit 1', async ({ args, stdin }) => {
    const cli = await runFerry(args(lying), stdin ? { stdin: await readFile(lying) } : {});
    expect(cli.code).toBe(1);
    expect(cli.stdout).toBe('');
    const lines = cli.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^ferry: image docker\.io\/library\/diffids:1 \(linux\/amd64\): layer 2 of 2 sha256:[0-9a-f]{64} decompresses to diffID sha256:[0-9a-f]{64}, but the config's rootfs\.diff_ids says sha256:[0-9a-f]{64}; .*do not import this archive.* \(ERR_DIGEST_MISMATCH\)$/);
  });
});

describe('ferry verify of docker save archives (uncompressed layers)', () => {
  it('checks the layers and fails a config that lies about one', async () => {
    const image = await buildImage({ platforms: [AMD64, ARM64], compression: 'none', padding: PADDING, seed: 'diffids-save' });
    const honest = await write('save.tar', await legacyDockerSaveTar(image.manifests[0]!, { repoTags: ['diffids:1'] }));
    expect((await verifyArchive(honest)).diffIDs).toEqual({ checked: 2, unchecked: [] });
    // The lying config's layers are amd64's tars, its diff_ids claim arm64's: docker save writes exactly that config.
    const { lying } = lyingImage(image, 'none');
    const saved = await write('save-lying.tar', await legacyDockerSaveTar(lying, { repoTags: ['diffids:1'] }));
    const err = await rejection(verifyArchive(saved));
    expect(isFerryError(err, 'ERR_DIGEST_MISMATCH')).toBe(true);
    expect((err as Error).message).toContain(`but the config's rootfs.diff_ids says ${image.manifests[1]!.layers[1]!.diffID}`);
    const cli = await runFerry(['verify', '-'], { stdin: await readFile(saved) });
    expect(cli.code).toBe(1);
    expect(cli.stderr).toMatch(/^ferry: image diffids:1 \(linux\/amd64\): layer 2 of 2 .*\(ERR_DIGEST_MISMATCH\)\n$/);
  });
});

describe('layers verify cannot check', () => {
  it('lists a foreign layer and an absent one instead of failing', async () => {
    const image = await buildImage({ platforms: [AMD64, ARM64], seed: 'diffids-foreign' });
    const amd = image.manifests[0]!;
    const foreignBytes = Buffer.from('a Windows base layer that lives at its URL');
    const foreign = {
      desc: { mediaType: MediaType.ociLayerNondistributableGzip, digest: digestOf(foreignBytes), size: foreignBytes.length, urls: ['https://example.com/base.tar.gz'] },
      diffID: digestOf('its uncompressed tar'),
      entries: [],
    };
    const withForeign = putManifest(image.content, mediaTypes('oci', 'gzip'), AMD64, [foreign, ...amd.layers], ['base', 'ADD base', 'ADD amd64']);
    const top = image.content.put(MediaType.ociIndex, JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [withForeign.desc, image.manifests[1]!.desc] }));
    const absent = image.manifests[1]!.layers[1]!.desc.digest;
    const path = await write('foreign.tar', await ociLayoutTar({ images: [{ image, containerdName: NAME, top }], omit: new Set([absent]) }));
    const report = await verifyArchive(path);
    expect(report.complete).toBe(false);
    expect(report.diffIDs).toEqual({
      checked: 3,
      unchecked: [
        { image: NAME, platform: 'linux/amd64', layer: foreign.desc.digest, state: 'external' },
        { image: NAME, platform: 'linux/arm64', layer: absent, state: 'missing' },
      ],
    });
    const cli = await runFerry(['verify', path]);
    expect(cli.code).toBe(1);
    expect(cli.stdout).toContain(`${NAME} linux/amd64: layer ${foreign.desc.digest.slice(0, 19)} is foreign (it lives at its URLs); its diffID is not checked`);
    expect(cli.stdout).toContain(`${NAME} linux/arm64: layer ${absent.slice(0, 19)} is not in the archive; its diffID is not checked`);
  });

  it('refuses a layer that inflates past the decompression limit, as unpack does', async () => {
    const image = await buildImage({ platforms: [AMD64], seed: 'diffids-bomb' });
    const bomb = await makeLayer(image.content, MediaType.ociLayerGzip, 'gzip', [{ name: 'zeros', data: Buffer.alloc(65 * 1024 * 1024) }]);
    const manifest = putManifest(image.content, mediaTypes('oci', 'gzip'), AMD64, [bomb], ['ADD zeros']);
    const path = await write('bomb.tar', await ociLayoutTar({ images: [{ image, containerdName: NAME, top: manifest.desc }] }));
    const err = await rejection(verifyArchive(path));
    expect(isFerryError(err, 'ERR_TOO_LARGE')).toBe(true);
    expect((err as Error).message).toContain(`image ${NAME} (linux/amd64): layer 1 of 1 ${bomb.desc.digest}: `);
    expect((err as Error).message).toMatch(/inflates to more than 67108864 bytes/);
  });
});
