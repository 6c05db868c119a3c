import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Descriptor } from '../../src/oci/descriptor.js';
import { MediaType } from '../../src/oci/mediatypes.js';
import { useTempStore } from '../helpers/temp-dir.js';

const target = (n: number): Descriptor => ({ mediaType: MediaType.ociIndex, digest: `sha256:${n.toString(16).padStart(64, '0')}`, size: 100 + n });

describe('image records', () => {
  const tmp = useTempStore();

  const readIndex = async () => JSON.parse(await readFile(join(tmp.dir, 'index.json'), 'utf8'));
  const names = async () => (await tmp.store.listImages()).map((r) => r.name);

  it('stores a record as an annotated index.json entry skopeo and containerd can look up', async () => {
    await tmp.store.putImages([{ name: 'docker.io/library/alpine:3.19', target: target(1), annotations: { 'org.opencontainers.image.created': '2024-01-01T00:00:00Z' } }]);
    const raw = await readFile(join(tmp.dir, 'index.json'), 'utf8');
    expect(JSON.parse(raw)).toEqual({
      schemaVersion: 2,
      mediaType: MediaType.ociIndex,
      manifests: [
        {
          ...target(1),
          annotations: {
            'io.containerd.image.name': 'docker.io/library/alpine:3.19',
            'org.opencontainers.image.created': '2024-01-01T00:00:00Z',
            'org.opencontainers.image.ref.name': 'docker.io/library/alpine:3.19',
          },
        },
      ],
    });
    // Fixed key order: the same records give the same bytes.
    expect(raw.indexOf('"mediaType":"application/vnd.oci.image.index.v1+json","digest"')).toBeGreaterThan(0);
    expect(await tmp.store.getImage('docker.io/library/alpine:3.19')).toEqual({
      name: 'docker.io/library/alpine:3.19',
      target: target(1),
      annotations: { 'org.opencontainers.image.created': '2024-01-01T00:00:00Z' },
    });
    expect(await tmp.store.getImage('docker.io/library/alpine:3.20')).toBeUndefined();
  });

  it('replaces a record of the same name in place and appends new names', async () => {
    await tmp.store.putImages([
      { name: 'a:1', target: target(1) },
      { name: 'b:1', target: target(2) },
    ]);
    await tmp.store.putImages([
      { name: 'c:1', target: target(3) },
      { name: 'a:1', target: target(4) },
    ]);
    expect(await tmp.store.listImages()).toEqual([
      { name: 'a:1', target: target(4) },
      { name: 'b:1', target: target(2) },
      { name: 'c:1', target: target(3) },
    ]);
  });

  it('removes records by name and reports which were there', async () => {
    await tmp.store.putImages([1, 2, 3].map((n) => ({ name: `r:${n}`, target: target(n) })));
    expect(await tmp.store.removeImages(['r:2', 'r:9'])).toEqual(['r:2']);
    expect(await names()).toEqual(['r:1', 'r:3']);
  });

  it('tags an image with another name', async () => {
    await tmp.store.putImages([{ name: 'src:1', target: target(1) }]);
    expect(await tmp.store.tagImage('src:1', 'dst:2')).toEqual({ name: 'dst:2', target: target(1) });
    expect(await tmp.store.listImages()).toEqual([
      { name: 'src:1', target: target(1) },
      { name: 'dst:2', target: target(1) },
    ]);
    await expect(tmp.store.tagImage('missing:1', 'x:1')).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
  });

  it.each(['', 'has space:1', 'new\nline'])('refuses the image name %j', async (name) => {
    await expect(tmp.store.putImages([{ name, target: target(1) }])).rejects.toMatchObject({ code: 'ERR_INVALID_REFERENCE' });
    expect((await readIndex()).manifests).toEqual([]);
  });

  it('reads entries other tools wrote and keeps unnamed ones', async () => {
    const foreign = [
      { ...target(1), annotations: { 'org.opencontainers.image.ref.name': 'latest' } },
      { ...target(2), platform: { architecture: 'arm64', os: 'linux' } },
    ];
    await writeFile(join(tmp.dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: foreign, annotations: { keep: 'me' } }));
    expect(await tmp.store.listImages()).toEqual([{ name: 'latest', target: target(1) }]);
    await tmp.store.putImages([{ name: 'x:1', target: target(3) }]);
    const index = await readIndex();
    expect(index.manifests.slice(0, 2)).toEqual([foreign[0], foreign[1]]);
    expect(index.annotations).toEqual({ keep: 'me' });
    expect(await names()).toEqual(['latest', 'x:1']);
  });

  it('loses no record when many updates run at once in one process', async () => {
    await Promise.all(Array.from({ length: 30 }, (_, n) => tmp.store.putImages([{ name: `p:${n}`, target: target(n) }])));
    expect((await names()).sort()).toEqual(Array.from({ length: 30 }, (_, n) => `p:${n}`).sort());
  });
});
