/**
 * The local store is an OCI image layout other tools read: skopeo (Debian package `skopeo`) and umoci
 * (package `umoci`) find ferry's images by their full names. Skipped when the tool is not on PATH.
 */
import { execFile } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { Store } from '../../src/store/store.js';
import { buildImage, type BuiltImage } from '../helpers/image-builder.js';
import { tempDir, type TempDir } from '../helpers/temp-dir.js';
import { itInterop, SKOPEO_NEED, UMOCI_NEED } from './harness/requirements.js';

const run = promisify(execFile);


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

  itInterop('skopeo inspect --raw finds each image by its full name', [SKOPEO_NEED], async () => {
    const { stdout: index } = await run('skopeo', ['inspect', '--raw', `oci:${root}:${MULTI}`]);
    expect(index).toBe(multi.index.bytes.toString());
    const { stdout: manifest } = await run('skopeo', ['inspect', '--raw', `oci:${root}:${SINGLE}`]);
    expect(manifest).toBe(single.manifests[0]!.bytes.toString());
  });

  itInterop('skopeo inspect picks a platform of the multi-platform image', [SKOPEO_NEED], async () => {
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

  itInterop('skopeo copy --all copies every blob out of the store', [SKOPEO_NEED], async () => {
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

  itInterop('umoci lists the stored names', [UMOCI_NEED], async () => {
    const { stdout } = await run('umoci', ['ls', '--layout', root]);
    expect(stdout.trim().split('\n').sort()).toEqual([MULTI, SINGLE].sort());
  });
});
