import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dockerSaveEntryFor, legacyDockerSaveTar, ociLayoutTar } from '../helpers/archive-fixtures.js';
import { runFerry, runFerryJson } from '../helpers/cli.js';
import { buildImage, SEVEN_PLATFORMS } from '../helpers/image-builder.js';

interface ImportJson {
  format: string;
  images: {
    names: string[];
    digest: string;
    platforms: string[];
    incomplete: { platform: string; missing: string[] }[];
    unpack?: { wanted: string; reason: string; available: string[]; image?: unknown; outcome?: { snapshot: string } };
  }[];
}

let dir: string;
let root: string;
const AMD64_HOST = { FERRY_PLATFORM: 'linux/amd64' };

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ferry-import-'));
  root = join(dir, 'store');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function archive(name: string, bytes: Buffer): Promise<string> {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

async function sevenPlatformArchive(): Promise<{ path: string; image: Awaited<ReturnType<typeof buildImage>> }> {
  const image = await buildImage({ platforms: SEVEN_PLATFORMS, attestations: true });
  const path = await archive('seven.tar', await ociLayoutTar({ images: [{ image, containerdName: 'docker.io/library/seven:1', refName: '1' }] }));
  return { path, image };
}

describe('ferry import --all-platforms', () => {
  it('keeps all 7 platforms and unpacks linux/amd64 on an amd64 host, saying so', async () => {
    const { path, image } = await sevenPlatformArchive();
    const text = await runFerry(['--root', root, 'import', '--all-platforms', path], { env: AMD64_HOST });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('unpacked: linux/amd64: exact match for the host platform linux/amd64');
    const ls = await runFerryJson<{ name: string; platforms: string[] }[]>(['--root', root, 'images', 'ls']);
    expect(ls).toEqual([expect.objectContaining({ name: 'docker.io/library/seven:1', digest: image.index.desc.digest })]);
    expect(ls[0]!.platforms).toHaveLength(7);
    const snapshot = text.stdout.match(/snapshot: (.*)/)![1]!;
    expect(readFileSync(join(snapshot, 'app', 'linux-amd64.txt'), 'utf8')).toContain('built for linux/amd64');
    expect(existsSync(join(snapshot, 'data', 'old.txt'))).toBe(false);
  });

  it('imports everything and names the choices when nothing matches the host (exit 0)', async () => {
    const image = await buildImage({ platforms: [{ os: 'linux', architecture: 'ppc64le' }, { os: 'linux', architecture: 's390x' }] });
    const path = await archive('foreign.tar', await ociLayoutTar({ images: [{ image, containerdName: 'docker.io/library/foreign:1' }] }));
    const result = await runFerry(['--root', root, 'import', '--all-platforms', path], { env: AMD64_HOST });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/not unpacked: no compatible match for the host platform linux\/amd64; available: linux\/ppc64le, linux\/s390x; choose one with --unpack-platform/);
  });

  it('unpacks the best compatible match for --unpack-platform (arm/v8 → arm/v7)', async () => {
    const { path } = await sevenPlatformArchive();
    const json = await runFerryJson<ImportJson>(['--root', root, 'import', '--all-platforms', '--unpack-platform', 'linux/arm/v8', path], { env: AMD64_HOST });
    expect(json.images[0]!.unpack!.reason).toBe('linux/arm/v7: best compatible match for the requested platform linux/arm/v8');
  });

  it('imports the complete platforms of a partial archive, lists the incomplete ones, and exits 0', async () => {
    const image = await buildImage({ platforms: SEVEN_PLATFORMS.slice(0, 3) });
    const arm = image.manifests[2]!;
    const path = await archive('partial.tar', await ociLayoutTar({ images: [{ image, containerdName: 'docker.io/library/partial:1' }], omit: new Set([arm.layers[1]!.desc.digest]) }));
    const json = await runFerryJson<ImportJson>(['--root', root, 'import', '--all-platforms', path], { env: AMD64_HOST });
    expect(json.images[0]!.platforms).toEqual(['linux/amd64', 'linux/arm64/v8']);
    expect(json.images[0]!.incomplete).toEqual([{ platform: 'linux/arm/v7', manifest: arm.desc.digest, missing: [arm.layers[1]!.desc.digest] }]);
  });
});

describe('ferry import platform selection', () => {
  it('fails when an explicitly requested platform is incomplete, and leaves the store unchanged', async () => {
    const image = await buildImage({ platforms: SEVEN_PLATFORMS.slice(0, 3) });
    const arm = image.manifests[2]!;
    const path = await archive('partial.tar', await ociLayoutTar({ images: [{ image, containerdName: 'docker.io/library/partial:1' }], omit: new Set([arm.layers[1]!.desc.digest]) }));
    const result = await runFerry(['--root', root, 'import', '--platform', 'linux/arm/v7', path], { env: AMD64_HOST });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^ferry: .*partial\.tar: image docker\.io\/library\/partial:1 has no complete content for linux\/arm\/v7 .*\(ERR_INCOMPLETE\)\n$/);
    const ls = await runFerryJson<unknown[]>(['--root', root, 'images', 'ls']);
    expect(ls).toEqual([]);
    expect(readdirSync(join(root, 'blobs', 'sha256'))).toEqual([]);
  });

  it('fails with ERR_PLATFORM_NOT_FOUND, naming the choices, for a --platform the archive does not have', async () => {
    const { path } = await sevenPlatformArchive();
    const result = await runFerry(['--root', root, 'import', '--platform', 'linux/arm/v8', path], { env: AMD64_HOST });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^ferry: .*: no image of the archive has a linux\/arm\/v8 manifest; available: linux\/amd64, .*\(ERR_PLATFORM_NOT_FOUND\)\n$/);
  });

  it('--json names the unpacked manifest by digest, not the whole resolved image', async () => {
    const { path, image } = await sevenPlatformArchive();
    const json = await runFerryJson<{ images: { unpack: Record<string, unknown> }[] }>(['--root', root, 'import', '--all-platforms', path], { env: AMD64_HOST });
    const unpack = json.images[0]!.unpack;
    expect(unpack['image']).toBeUndefined();
    expect(unpack['manifest']).toBe(image.manifests[0]!.desc.digest);
    expect(Object.keys(unpack).sort()).toEqual(['available', 'manifest', 'outcome', 'reason', 'wanted']);
  });

  it('by default imports what the host runs and fails, naming the choices, when the host has nothing', async () => {
    const image = await buildImage({ platforms: [{ os: 'linux', architecture: 's390x' }] });
    const path = await archive('s390x.tar', await ociLayoutTar({ images: [{ image, containerdName: 'docker.io/library/z:1' }] }));
    const result = await runFerry(['--root', root, 'import', path], { env: AMD64_HOST });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('available: linux/s390x; use --all-platforms or --platform P');
  });

  it('--platform linux/arm64 imports and unpacks arm64 (aarch64 spelling accepted)', async () => {
    const { path } = await sevenPlatformArchive();
    const json = await runFerryJson<ImportJson>(['--root', root, 'import', '--platform', 'linux/aarch64', path], { env: AMD64_HOST });
    expect(json.images[0]!.platforms).toEqual(['linux/arm64/v8']);
    expect(json.images[0]!.unpack!.reason).toMatch(/^linux\/arm64\/v8: /);
  });
});

describe('ferry import formats', () => {
  it('reads a legacy docker-save archive (skopeo style symlinks) from stdin, gzip-compressed', async () => {
    const image = await buildImage({ platforms: SEVEN_PLATFORMS.slice(0, 1) });
    const tar = await legacyDockerSaveTar(image.manifests[0]!, { repoTags: ['legacy:2'], style: 'skopeo' });
    const result = await runFerry(['--root', root, 'import', '--json', '-'], { env: AMD64_HOST, stdin: gzipSync(tar) });
    expect(result.stderr).toBe('');
    const json = JSON.parse(result.stdout) as ImportJson;
    expect(json.format).toBe('docker-legacy');
    expect(json.images[0]!.names).toEqual(['docker.io/library/legacy:2']);
    expect(json.images[0]!.platforms).toEqual(['linux/amd64']);
  });

  it('names tag-only ref.names with --base-name and reads a Docker 25 hybrid with RepoTags', async () => {
    const image = await buildImage({ platforms: SEVEN_PLATFORMS.slice(0, 2) });
    const path = await archive('hybrid.tar', await ociLayoutTar({
      images: [{ image, refName: '3.19' }],
      dockerManifest: [dockerSaveEntryFor(image.manifests[0]!, ['myrepo/app:3.19'])],
    }));
    const json = await runFerryJson<ImportJson>(['--root', root, 'import', '--all-platforms', '--no-unpack', '--base-name', 'example.com/app', path], { env: AMD64_HOST });
    expect(json.images.flatMap((i) => i.names)).toContain('example.com/app:3.19');
  });

  it('rejects a file that is not an archive with one line naming it', async () => {
    const path = await archive('junk.tar', Buffer.from('this is not a tar archive at all'.repeat(40)));
    const result = await runFerry(['--root', root, 'import', path]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('junk.tar');
  });

  it('says which file is missing', async () => {
    const result = await runFerry(['--root', root, 'import', join(dir, 'nope.tar')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`ferry: cannot read archive ${join(dir, 'nope.tar')}: no such file or directory; check the path, or pass - to read the archive from stdin (ERR_NOT_FOUND)\n`);
  });
});

describe('ferry import of nested indexes', () => {
  it('reports a nested index the archive lacks instead of passing over its platforms in silence', async () => {
    const image = await buildImage({ platforms: SEVEN_PLATFORMS.slice(0, 2) });
    const nested = image.index;
    const topBytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [nested.desc] }));
    const top = image.content.put('application/vnd.oci.image.index.v1+json', topBytes);
    const path = await archive('nested.tar', await ociLayoutTar({ images: [{ image, containerdName: 'docker.io/library/nested:1', top }], omit: new Set([nested.desc.digest]) }));
    const json = await runFerryJson<ImportJson>(['--root', root, 'import', '--all-platforms', '--no-unpack', path], { env: AMD64_HOST });
    expect(json.images[0]!.incomplete).toEqual([{ platform: 'nested index', manifest: nested.desc.digest, missing: [nested.desc.digest] }]);
    const ls = await runFerryJson<{ partialPlatforms: string[] }[]>(['--root', root, 'images', 'ls']);
    expect(ls[0]!.partialPlatforms).toEqual(['(nested index missing)']);
    const exported = await runFerry(['--root', root, 'export', '--all-platforms', join(dir, 'out.tar'), 'nested:1']);
    expect(exported.code).toBe(1);
    expect(exported.stderr).toContain(`nested index ${nested.desc.digest} is not in the store`);
  });
});
