// The docker engine as a ferry end (Debian package `docker.io`; needs root): `ferry copy` into docker-daemon:NAME
// loads the resolved platform under its full name through the Engine API socket, and docker-daemon:NAME reads it
// back (docker save) with the same config and rootfs.
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ociLayoutTar } from '../helpers/archive-fixtures.js';
import { runFerry, runFerryJson } from '../helpers/cli.js';
import { buildImage, SEVEN_PLATFORMS, type BuiltImage } from '../helpers/image-builder.js';
import { DOCKER_NEED, startDockerd, type DockerEngine } from './harness/dockerd.js';
import { describeInterop } from './harness/requirements.js';

const AMD64_HOST = { FERRY_PLATFORM: 'linux/amd64' };

interface CopyJson {
  digest: string;
  platforms: string[];
  loaded?: string[];
  unpack?: { reason: string; manifest?: string };
}

/** Every regular file of a tree by path, with its sha256: what "the same rootfs" means here. */
function tree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) out[relative(root, path)] = createHash('sha256').update(readFileSync(path)).digest('hex');
    }
  };
  walk(root);
  return out;
}

describeInterop('docker engine end (ferry copy … docker-daemon:NAME)', [DOCKER_NEED], () => {
  let engine: DockerEngine;
  let dir: string;
  const root = () => join(dir, 'store');
  const ferry = (args: string[]) => runFerry(['--root', root(), ...args, '--docker-host', engine.host], { env: AMD64_HOST });
  const ferryJson = <T>(args: string[]) => runFerryJson<T>(['--root', root(), ...args, '--docker-host', engine.host], { env: AMD64_HOST });

  beforeAll(async () => {
    engine = await startDockerd();
    dir = mkdtempSync(join(tmpdir(), 'ferry-docker-end-'));
  }, 120_000);

  afterAll(async () => {
    await engine?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const archiveOf = async (image: BuiltImage, name: string, file: string) => {
    const path = join(dir, file);
    writeFileSync(path, await ociLayoutTar({ images: [{ image, containerdName: name, refName: name.split(':').at(-1)! }] }));
    return path;
  };

  it('loads the host platform of a seven-platform archive under its full name, and reads it back with the same rootfs', async () => {
    const image = await buildImage({ platforms: SEVEN_PLATFORMS, padding: 1 << 20, seed: 'docker-end' });
    const name = 'registry.example.com/team/docker-end:1';
    const path = await archiveOf(image, name, 'seven.tar');
    const amd64 = image.manifests.find((m) => m.platform.architecture === 'amd64')!;

    const loaded = await ferryJson<CopyJson>(['copy', path, `docker-daemon:${name}`]);
    expect(loaded.unpack).toMatchObject({ manifest: amd64.desc.digest });
    expect(loaded.loaded).toEqual([name]);
    const [inspected] = JSON.parse(engine.docker(['image', 'inspect', name])) as { Id: string; RepoTags: string[]; Os: string; Architecture: string }[];
    expect(inspected).toMatchObject({ Id: amd64.config.desc.digest, RepoTags: [name], Os: 'linux', Architecture: 'amd64' });

    const back = await ferryJson<CopyJson>(['copy', `docker-daemon:${name}`, 'store:back:1']);
    expect(back.platforms).toEqual(['linux/amd64']);
    await ferryJson(['copy', path, 'store:original:1']);
    for (const [image_, out] of [['back:1', 'rootfs-back'], ['original:1', 'rootfs-original']]) {
      const unpacked = await runFerry(['--root', root(), 'unpack', image_!, join(dir, out!)], { env: AMD64_HOST });
      expect(unpacked.code, unpacked.stderr).toBe(0);
    }
    const original = tree(join(dir, 'rootfs-original'));
    expect(Object.keys(original).length).toBeGreaterThan(2);
    expect(tree(join(dir, 'rootfs-back'))).toEqual(original);
  });

  it('loads the platform named with --unpack-platform, and recompresses zstd layers docker 20.10 cannot read', async () => {
    const image = await buildImage({ platforms: SEVEN_PLATFORMS, compression: 'zstd', seed: 'docker-zstd' });
    const name = 'docker.io/library/docker-zstd:1';
    const path = await archiveOf(image, name, 'zstd.tar');
    const arm64 = image.manifests.find((m) => m.platform.architecture === 'arm64')!;
    const loaded = await ferryJson<CopyJson>(['copy', path, `docker-daemon:${name}`, '--unpack-platform', 'linux/arm64']);
    expect(loaded.unpack?.manifest).toBe(arm64.desc.digest);
    const [inspected] = JSON.parse(engine.docker(['image', 'inspect', name])) as { Id: string; Architecture: string }[];
    expect(inspected).toMatchObject({ Id: arm64.config.desc.digest, Architecture: 'arm64' });
  });

  it('says which platform to choose when the archive lacks the host platform', async () => {
    const image = await buildImage({ platforms: SEVEN_PLATFORMS.filter((p) => p.architecture !== 'amd64' && p.architecture !== '386'), seed: 'docker-foreign' });
    const path = await archiveOf(image, 'docker.io/library/foreign:1', 'foreign.tar');
    const result = await ferry(['copy', path, 'docker-daemon:docker.io/library/foreign:1']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('no compatible match for the host platform linux/amd64');
    expect(result.stderr).toContain('choose one with --unpack-platform');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});
