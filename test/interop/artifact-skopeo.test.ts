/**
 * An image with BuildKit attestations and two referrers (one of the index, one of a platform manifest), through
 * ferry's import and export, then copied out of the archive by skopeo (Debian package `skopeo`) with
 * `--all --preserve-digests`: every digest must be intact. Skipped when skopeo is not installed.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Annotation, type Descriptor } from '../../src/oci/descriptor.js';
import { digestOf } from '../../src/oci/digest.js';
import { EMPTY_JSON, MediaType } from '../../src/oci/mediatypes.js';
import { ociLayoutTar } from '../helpers/archive-fixtures.js';
import { runFerry } from '../helpers/cli.js';
import { type BuiltImage, buildImage } from '../helpers/image-builder.js';
import { MemoryContent } from '../helpers/memory-content.js';
import { describeInterop, SKOPEO_NEED } from './harness/requirements.js';

const run = promisify(execFile);

async function skopeo(...args: string[]): Promise<void> {
  await run('skopeo', ['--insecure-policy', ...args], { maxBuffer: 64 << 20, env: { ...process.env, TMPDIR: tmpdir() } });
}

/** An artifact (empty config, one titled layer) whose subject is `subject`, added to `content`. */
function referrer(content: MemoryContent, subject: Descriptor, artifactType: string, body: string): Descriptor {
  content.put(EMPTY_JSON.mediaType, '{}');
  const layer = content.put('application/spdx+json', body, { annotations: { [Annotation.title]: 'sbom.json' } });
  const bytes = JSON.stringify({
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    artifactType,
    config: EMPTY_JSON,
    layers: [layer],
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
  });
  return content.put(MediaType.ociManifest, bytes, { artifactType });
}

describeInterop('artifacts and attestations through ferry and skopeo', [SKOPEO_NEED], () => {
  let dir: string;
  let image: BuiltImage;
  let content: MemoryContent;
  let ofIndex: Descriptor;
  let ofPlatform: Descriptor;
  let archive: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-artifact-skopeo-'));
    image = await buildImage({ attestations: true, platforms: [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }] });
    content = new MemoryContent(image.content.blobs);
    ofIndex = referrer(content, image.index.desc, 'application/spdx+json', '{"of":"index"}');
    ofPlatform = referrer(content, image.manifests[1]!.desc, 'application/vnd.dev.cosign.simplesigning.v1+json', '{"of":"arm64"}');
    const input = join(dir, 'in.tar');
    const all: BuiltImage = { ...image, content };
    await writeFile(
      input,
      await ociLayoutTar({
        images: [
          { image: all, containerdName: 'docker.io/acme/app:1' },
          { image: all, containerdName: 'docker.io/acme/app:sbom', top: ofIndex },
          { image: all, containerdName: 'docker.io/acme/app:sig', top: ofPlatform },
        ],
      }),
    );
    const root = join(dir, 'store');
    const imported = await runFerry(['--root', root, 'import', '--all-platforms', '--no-unpack', input]);
    expect(imported.code, imported.stderr).toBe(0);
    archive = join(dir, 'out.tar');
    const exported = await runFerry(['--root', root, 'export', '--all-platforms', archive, 'acme/app:1', 'acme/app:sbom', 'acme/app:sig']);
    expect(exported.code, exported.stderr).toBe(0);
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it.each([
    { ref: '1', top: () => image.index.desc },
    { ref: 'sbom', top: () => ofIndex },
    { ref: 'sig', top: () => ofPlatform },
  ])('skopeo copies $ref out of the archive with every digest intact', async ({ ref, top }) => {
    const out = join(dir, `oci-${ref}`);
    await skopeo('copy', '--all', '--preserve-digests', `oci-archive:${archive}:${ref}`, `oci:${out}:${ref}`);
    const index = JSON.parse(await readFile(join(out, 'index.json'), 'utf8'));
    expect(index.manifests.map((m: Descriptor) => m.digest)).toEqual([top().digest]);
    // Every blob of the graph (attestations included for the image) is there, byte for byte.
    const expected = ref === '1' ? [...image.content.blobs.keys()] : [top().digest, EMPTY_JSON.digest, JSON.parse(content.blobs.get(top().digest)!.toString()).layers[0].digest];
    for (const digest of expected) {
      const bytes = await readFile(join(out, 'blobs', 'sha256', digest.slice(7)));
      expect(digestOf(bytes), digest).toBe(digest);
      expect(bytes.equals(content.blobs.get(digest)!)).toBe(true);
    }
  });
});
