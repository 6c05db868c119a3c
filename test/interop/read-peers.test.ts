/**
 * Reads archives written by peer tools: skopeo (Debian package `skopeo`) as oci-archive and docker-archive, and
 * OCI layouts built by umoci (Debian package `umoci`) tarred by GNU tar (entries named `./…`). Each part is
 * skipped, with a message, when its tool is not installed.
 */
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { readArchive } from '../../src/archive/read/index.js';
import { MediaType } from '../../src/oci/mediatypes.js';
import { type BuiltImage, buildImage } from '../helpers/image-builder.js';
import { MemoryContent } from '../helpers/memory-content.js';
import { itInterop, SKOPEO_NEED, UMOCI_NEED } from './harness/requirements.js';
import { run } from './harness/tools.js';


/** Writes a BuiltImage as an OCI layout directory, the source skopeo copies from. */
async function writeLayout(dir: string, image: BuiltImage, refName: string): Promise<void> {
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const entry = { ...image.index.desc, annotations: { 'org.opencontainers.image.ref.name': refName } };
  await writeFile(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [entry] }));
  for (const [digest, bytes] of image.content.blobs) await writeFile(join(dir, 'blobs', 'sha256', digest.slice(7)), bytes);
}

async function readFileArchive(path: string) {
  const sink = new MemoryContent();
  const contents = await readArchive(createReadStream(path), sink, { where: path });
  return { contents, sink };
}

function skopeo(...args: string[]): string {
  // --insecure-policy: the test machine may have no /etc/containers/policy.json, and nothing here is trusted anyway.
  return run('skopeo', ['--insecure-policy', ...args]);
}

describe('reading archives peer tools wrote', () => {
  let dir: string;
  let image: BuiltImage;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-read-peers-'));
    image = await buildImage({ platforms: [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }] });
    await writeLayout(join(dir, 'src'), image, 'v1');
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  itInterop('skopeo oci-archive: the index and every platform come back unchanged', [SKOPEO_NEED], async () => {
    const out = join(dir, 'skopeo-oci.tar');
    skopeo('copy', '--all', `oci:${join(dir, 'src')}:v1`, `oci-archive:${out}:v1`);
    const { contents, sink } = await readFileArchive(out);
    expect(contents.format).toBe('oci-layout');
    expect(contents.images.map((i) => [i.target.digest, i.refName])).toEqual([[image.index.desc.digest, 'v1']]);
    for (const [digest, bytes] of image.content.blobs) expect(sink.blobs.get(digest)?.equals(bytes), digest).toBe(true);
  });

  itInterop('skopeo docker-archive: one platform as a synthesized schema2 manifest with plain-tar layers', [SKOPEO_NEED], async () => {
    const out = join(dir, 'skopeo-docker.tar');
    const amd64 = image.manifests[0]!;
    skopeo('--override-arch', 'amd64', '--override-os', 'linux', 'copy', `oci:${join(dir, 'src')}:v1`, `docker-archive:${out}:ferry/app:v1`);
    const { contents, sink } = await readFileArchive(out);
    expect(contents.format).toBe('docker-legacy');
    expect(contents.images).toHaveLength(1);
    const [found] = contents.images;
    // skopeo writes RepoTags fully qualified; the reader passes them on as written.
    expect(found!.repoTags).toEqual(['docker.io/ferry/app:v1']);
    expect(found!.target.platform).toEqual({ architecture: 'amd64', os: 'linux' });
    const manifest = JSON.parse(sink.blobs.get(found!.target.digest)!.toString());
    expect(manifest.config.digest).toBe(amd64.config.desc.digest);
    expect(manifest.layers).toEqual(
      amd64.layers.map((l) => expect.objectContaining({ mediaType: MediaType.dockerLayer, digest: l.diffID })),
    );
  });

  itInterop('umoci layout tarred with ./ names: a tag-only ref.name on a manifest', [UMOCI_NEED], async () => {
    const layout = join(dir, 'umoci');
    run('umoci', ['init', '--layout', layout]);
    run('umoci', ['new', '--image', `${layout}:v2`]);
    await writeFile(join(dir, 'hello.txt'), 'hello\n');
    run('umoci', ['insert', '--rootless', '--image', `${layout}:v2`, join(dir, 'hello.txt'), '/hello.txt']);
    run('umoci', ['config', '--image', `${layout}:v2`, '--os', 'linux', '--architecture', 'arm64', '--config.cmd', '/bin/sh']);
    const out = join(dir, 'umoci.tar');
    run('tar', ['-C', layout, '-cf', out, '.']);
    const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8'));

    const { contents, sink } = await readFileArchive(out);
    expect(contents.format).toBe('oci-layout');
    expect(contents.images.map((i) => [i.target.digest, i.target.mediaType, i.refName])).toEqual([[index.manifests[0].digest, MediaType.ociManifest, 'v2']]);
    const manifest = JSON.parse(sink.blobs.get(index.manifests[0].digest)!.toString());
    for (const desc of [manifest.config, ...manifest.layers]) expect(contents.blobs.get(desc.digest)).toBe(desc.size);
  });
});
