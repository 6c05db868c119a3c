// Needs the Debian package `skopeo` (and tar); skipped without it.
import { execFileSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { transcodeLayer } from '../../src/convert/index.js';
import type { Descriptor } from '../../src/oci/descriptor.js';
import { MediaType } from '../../src/oci/mediatypes.js';
import type { ContentSource } from '../../src/oci/transport.js';
import { Store } from '../../src/store/index.js';
import { buildImage, type BuiltImage } from '../helpers/image-builder.js';
import { describeInterop, SKOPEO_NEED } from '../interop/harness/requirements.js';
import { storeImage } from './helpers.js';
import { tempDir } from '../helpers/temp-dir.js';

/** An extracted OCI layout as a content source. */
function layoutSource(dir: string): ContentSource {
  const path = (d: Pick<Descriptor, 'digest'>) => join(dir, 'blobs', ...d.digest.split(':'));
  return {
    fetch: async (d) => createReadStream(path(d)),
    has: async (d) => (await stat(path(d)).catch(() => undefined))?.size === d.size,
  };
}

describeInterop('skopeo copy --dest-compress-format zstd', [SKOPEO_NEED], () => {
  let tmp: { dir: string; cleanup(): Promise<void> };
  let image: BuiltImage;

  beforeAll(async () => {
    tmp = await tempDir('ferry-skopeo-zstd-');
    const store = await Store.open(join(tmp.dir, 'store'));
    image = await buildImage({ platforms: [{ os: 'linux', architecture: 'amd64' }], compression: 'gzip' });
    await storeImage(store, image, 'example.com/app:1');
  });

  afterAll(async () => {
    await tmp.cleanup();
  });

  it('writes zstd layers whose decompressed digests are the diffIDs', async () => {
    const archive = join(tmp.dir, 'out.tar');
    execFileSync('skopeo', ['copy', '--override-arch', 'amd64', '--dest-compress-format', 'zstd', `oci:${join(tmp.dir, 'store')}:example.com/app:1`, `oci-archive:${archive}`], { stdio: 'pipe' });
    const out = join(tmp.dir, 'out');
    execFileSync('mkdir', ['-p', out]);
    execFileSync('tar', ['-xf', archive, '-C', out]);
    const source = layoutSource(out);
    const index = JSON.parse(await readFile(join(out, 'index.json'), 'utf8')) as { manifests: Descriptor[] };
    const manifest = JSON.parse(await readFile(join(out, 'blobs', ...index.manifests[0]!.digest.split(':')), 'utf8')) as { layers: Descriptor[] };
    expect(manifest.layers.map((l) => l.mediaType)).toEqual(image.manifests[0]!.layers.map(() => MediaType.ociLayerZstd));
    const facts = await Promise.all(manifest.layers.map((l) => transcodeLayer(source, l)));
    expect(facts.map((f) => f.compression)).toEqual(['zstd', 'zstd']);
    expect(facts.map((f) => f.diffID)).toEqual(image.manifests[0]!.layers.map((l) => l.diffID));
  });
});
