/**
 * Reads ferry's exported archives with skopeo (Debian package `skopeo`): as an OCI archive, every platform and
 * every blob must come back with the digests ferry was given; as a docker archive (manifest.json), the selected
 * platform's config must come back unchanged. Skipped, with a message, when skopeo is not installed.
 */
import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { writeArchive } from '../../src/archive/write/archive-writer.js';
import { digestOf } from '../../src/oci/digest.js';
import { type BuiltImage, buildImage, platformLabel } from '../helpers/image-builder.js';
import { imageBlobs, mergedContent, planFor } from '../archive/write/export-fixtures.js';
import { describeInterop, SKOPEO_NEED, UMOCI_NEED } from './harness/requirements.js';

const run = promisify(execFile);

async function skopeo(...args: string[]): Promise<string> {
  // --insecure-policy: the test machine may have no /etc/containers/policy.json, and nothing here is trusted anyway.
  const { stdout } = await run('skopeo', ['--insecure-policy', ...args], { maxBuffer: 64 << 20, env: { ...process.env, TMPDIR: tmpdir() } });
  return stdout;
}

describeInterop('skopeo reads ferry exports', [SKOPEO_NEED], () => {
  let dir: string;
  let archive: string;
  let image: BuiltImage;
  let second: BuiltImage;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-export-skopeo-'));
    image = await buildImage({ attestations: true });
    // OCI media types: skopeo's oci layout transport (containers/image) skips index.json entries with Docker
    // media types when it looks a ref.name up, so a Docker-format image in an OCI archive is invisible to it.
    second = await buildImage({ seed: 'second', platforms: [{ os: 'linux', architecture: 'arm64' }] });
    archive = join(dir, 'export.tar');
    const plan = planFor([
      { image, name: 'docker.io/library/ferry-sample:1.0', dockerPlatform: 0 },
      { image: second, name: 'ghcr.io/ferry/second:2.0' },
    ]);
    await writeArchive(createWriteStream(archive), mergedContent(image, second), plan);
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it.each([
    { ref: '1.0', top: () => image.index.bytes },
    { ref: '2.0', top: () => second.index.bytes },
  ])('selects an image by its ref.name ($ref) and returns its top index unchanged', async ({ ref, top }) => {
    const raw = await skopeo('inspect', '--raw', `oci-archive:${archive}:${ref}`);
    expect(raw).toBe(top().toString());
  });

  it('copies every platform of an image out of the OCI archive with the original digests', async () => {
    const out = join(dir, 'all');
    await skopeo('copy', '--all', '--preserve-digests', `oci-archive:${archive}:1.0`, `dir:${out}`);
    const files = await readdir(out);
    // dir: stores blobs by hex and each manifest of the list as <hex>.manifest.json; check every digest.
    const copied = new Set<string>();
    for (const file of files) {
      if (file === 'version') continue;
      const bytes = await readFile(join(out, file));
      const hex = file === 'manifest.json' ? digestOf(bytes).slice(7) : file.replace(/\.manifest\.json$/, '');
      expect(digestOf(bytes).slice(7), file).toBe(hex);
      copied.add(`sha256:${hex}`);
    }
    expect(copied.has(image.index.desc.digest)).toBe(true);
    for (const m of image.manifests) {
      for (const d of [m.desc, m.config.desc, ...m.layers.map((l) => l.desc)]) expect(copied.has(d.digest), `${platformLabel(m.platform)} ${d.digest}`).toBe(true);
    }
    // Attestations included: skopeo found every blob of the image and nothing else.
    expect(copied).toEqual(new Set(imageBlobs(image).map((d) => d.digest)));
  });

  it('loads the manifest.json image (one platform) as a docker archive', async () => {
    const amd64 = image.manifests[0];
    if (!amd64) throw new Error('fixture');
    const inspected = JSON.parse(await skopeo('inspect', `docker-archive:${archive}`)) as { Architecture: string; Os: string; RepoTags?: string[]; Layers: string[] };
    expect([inspected.Os, inspected.Architecture]).toEqual(['linux', 'amd64']);
    expect(inspected.Layers).toHaveLength(amd64.layers.length);

    const out = join(dir, 'from-docker');
    await skopeo('copy', `docker-archive:${archive}`, `oci:${out}:amd64`);
    const index = JSON.parse(await readFile(join(out, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
    const manifestDigest = index.manifests[0]?.digest ?? '';
    const manifest = JSON.parse(await readFile(join(out, 'blobs', 'sha256', manifestDigest.slice(7)), 'utf8')) as { config: { digest: string } };
    // The config (and with it the diffIDs skopeo checked the layers against) arrives byte for byte.
    expect(manifest.config.digest).toBe(amd64.config.desc.digest);
  });
});

describeInterop('umoci unpacks ferry exports', [UMOCI_NEED], () => {
  it('unpacks a single-platform image from the extracted OCI layout', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ferry-export-umoci-'));
    try {
      const image = await buildImage({ platforms: [{ os: 'linux', architecture: 'amd64' }] });
      const archive = join(dir, 'export.tar');
      await writeArchive(createWriteStream(archive), image.content, planFor([{ image, name: 'docker.io/library/x:1.0' }]));
      await run('tar', ['-xf', archive, '-C', dir]);
      await run('umoci', ['unpack', '--rootless', '--image', `${dir}:1.0`, join(dir, 'bundle')]);
      expect(await readFile(join(dir, 'bundle', 'rootfs', 'app', 'linux-amd64.txt'), 'utf8')).toContain('built for linux/amd64');
      // The platform layer's whiteout removed the base layer's file: umoci applied both layers in order.
      await expect(readFile(join(dir, 'bundle', 'rootfs', 'data', 'old.txt'))).rejects.toMatchObject({ code: 'ENOENT' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

