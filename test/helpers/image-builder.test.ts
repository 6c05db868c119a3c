import { describe, expect, it } from 'vitest';
import { IndexSchema, ManifestSchema, ImageConfigSchema } from '../../src/oci/schemas.js';
import { digestOf } from '../../src/oci/digest.js';
import { gunzipSync } from 'node:zlib';
import { buildImage, SEVEN_PLATFORMS } from './image-builder.js';
import { ociLayoutTar, legacyDockerSaveTar } from './archive-fixtures.js';
import { readTar } from './tar.js';

describe('test image builder', () => {
  it('builds a valid 7-platform image whose diffIDs match the layers and shares one layer', async () => {
    const img = await buildImage({ platforms: SEVEN_PLATFORMS, attestations: true });
    const index = IndexSchema.parse(JSON.parse(img.index.bytes.toString()));
    expect(index.manifests).toHaveLength(14);
    const layerDigests = new Set(img.manifests.flatMap((m) => m.layers.map((l) => l.desc.digest)));
    expect(layerDigests.size).toBe(8);
    for (const m of img.manifests) {
      ManifestSchema.parse(JSON.parse(m.bytes.toString()));
      const config = ImageConfigSchema.parse(JSON.parse(m.config.bytes.toString()));
      for (const [i, l] of m.layers.entries()) {
        expect(digestOf(gunzipSync(img.content.blobs.get(l.desc.digest)!))).toBe(config.rootfs.diff_ids[i]);
      }
    }
  });

  it('is deterministic and writes archives the tar reader can list', async () => {
    const a = await buildImage();
    const b = await buildImage();
    expect(a.index.desc.digest).toBe(b.index.desc.digest);
    const tar = await readTar(await ociLayoutTar({ images: [{ image: a, containerdName: 'docker.io/library/x:1' }] }));
    expect(tar.map((e) => e.name).slice(0, 2)).toEqual(['oci-layout', 'index.json']);
    const legacy = await readTar(await legacyDockerSaveTar(a.manifests[0]!, { repoTags: ['x:1'], style: 'skopeo' }));
    expect(legacy.filter((e) => e.type === 'symlink')).toHaveLength(2);
  });
});
