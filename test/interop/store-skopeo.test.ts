/**
 * The local store is an OCI image layout other tools read: skopeo (Debian package `skopeo`) and umoci
 * (package `umoci`) find ferry's images by their full names. Skipped when the tool is not on PATH.
 */
import { execFile } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../src/store/store.js';
import { buildImage, type BuiltImage } from '../helpers/image-builder.js';
import { tempDir, type TempDir } from '../helpers/temp-dir.js';

const run = promisify(execFile);

async function onPath(tool: string): Promise<boolean> {
  return run('sh', ['-c', `command -v ${tool}`]).then(
    () => true,
    () => false,
  );
}

const hasSkopeo = await onPath('skopeo');
const hasUmoci = await onPath('umoci');
if (!hasSkopeo) console.warn('store-skopeo: skopeo is not on PATH (apt-get install skopeo); skipping the skopeo checks');
if (!hasUmoci) console.warn('store-skopeo: umoci is not on PATH (apt-get install umoci); skipping the umoci check');

const MULTI = 'docker.io/library/alpine:3.19';
const SINGLE = 'example.com:5000/team/app:v1';

describe('the store read by skopeo and umoci', () => {
  let tmp: TempDir;
  let root: string;
  let multi: BuiltImage;
  let single: BuiltImage;

  beforeAll(async () => {
    tmp = await tempDir('ferry-store-');
    root = join(tmp.dir, 'store');
    const store = await Store.open(root);
    multi = await buildImage({ seed: 'multi' });
    single = await buildImage({ seed: 'single', platforms: [{ os: 'linux', architecture: 'amd64' }] });
    const staging = await store.stage();
    const keep: string[] = [];
    for (const content of [multi.content, single.content]) {
      for (const [digest, bytes] of content.blobs) {
        await staging.write({ digest, size: bytes.length }, await content.fetch({ digest, size: bytes.length, mediaType: 'x' }));
        keep.push(digest);
      }
    }
    await staging.commit({
      keep,
      records: [
        { name: MULTI, target: multi.index.desc },
        { name: SINGLE, target: single.manifests[0]!.desc },
      ],
    });
  });
  afterAll(() => tmp?.cleanup());

  it.skipIf(!hasSkopeo)('skopeo inspect --raw finds each image by its full name', async () => {
    const { stdout: index } = await run('skopeo', ['inspect', '--raw', `oci:${root}:${MULTI}`]);
    expect(index).toBe(multi.index.bytes.toString());
    const { stdout: manifest } = await run('skopeo', ['inspect', '--raw', `oci:${root}:${SINGLE}`]);
    expect(manifest).toBe(single.manifests[0]!.bytes.toString());
  });

  it.skipIf(!hasSkopeo)('skopeo inspect picks a platform of the multi-platform image', async () => {
    const { stdout } = await run('skopeo', ['--override-os', 'linux', '--override-arch', 'arm64', 'inspect', `oci:${root}:${MULTI}`]);
    const arm64 = multi.manifests.find((m) => m.platform.architecture === 'arm64')!;
    // Digest is that of what the name points at (the index); the rest describes the chosen platform.
    expect(JSON.parse(stdout)).toMatchObject({
      Digest: multi.index.desc.digest,
      Architecture: 'arm64',
      Os: 'linux',
      Layers: arm64.layers.map((l) => l.desc.digest),
    });
  });

  it.skipIf(!hasSkopeo)('skopeo copy --all copies every blob out of the store', async () => {
    const out = join(tmp.dir, 'copied');
    await run('skopeo', ['copy', '--all', '--quiet', `oci:${root}:${MULTI}`, `dir:${out}`]);
    expect(await readFile(join(out, 'manifest.json'), 'utf8')).toBe(multi.index.bytes.toString());
    // dir: names blobs by hex and per-platform manifests `<hex>.manifest.json`.
    const files = new Set(await readdir(out));
    for (const [digest, bytes] of multi.content.blobs) {
      if (digest === multi.index.desc.digest) continue;
      const hex = digest.slice('sha256:'.length);
      const name = files.has(hex) ? hex : `${hex}.manifest.json`;
      expect((await readFile(join(out, name))).equals(bytes), digest).toBe(true);
    }
  });

  it.skipIf(!hasUmoci)('umoci lists the stored names', async () => {
    const { stdout } = await run('umoci', ['ls', '--layout', root]);
    expect(stdout.trim().split('\n').sort()).toEqual([MULTI, SINGLE].sort());
  });
});
