import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { digestOf } from '../../src/oci/digest.js';
import { MediaType } from '../../src/oci/mediatypes.js';
import { runFerryJson } from '../helpers/cli.js';
import { buildImage } from '../helpers/image-builder.js';
import { schema1Payload, signSchema1 } from '../helpers/schema1.js';
import { tarBytes, type TarEntry } from '../helpers/tar.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ferry-schema1-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it.each([
  ['unsigned', MediaType.dockerSchema1, false],
  ['signed', MediaType.dockerSchema1Signed, true],
])('imports an OCI layout holding a %s schema1 image: converted to schema2 and unpacked', async (_label, mediaType, signed) => {
  const image = await buildImage({ platforms: [{ os: 'linux', architecture: 'amd64' }] });
  const original = image.manifests[0]!;
  const emptyLayer = image.content.put(MediaType.dockerLayerGzip, gzipSync(Buffer.alloc(1024)));
  const payload = schema1Payload(original, emptyLayer);
  const manifest = signed ? signSchema1(payload) : payload;
  const desc = { mediaType, digest: digestOf(manifest), size: manifest.length, annotations: { 'io.containerd.image.name': 'docker.io/library/old:1' } };
  const blobs: TarEntry[] = [...image.content.blobs].map(([d, b]) => ({ name: `blobs/sha256/${d.slice(7)}`, data: b }));
  const archive = join(dir, `${_label}.tar`);
  writeFileSync(archive, await tarBytes([
    { name: 'oci-layout', data: '{"imageLayoutVersion":"1.0.0"}' },
    { name: 'index.json', data: JSON.stringify({ schemaVersion: 2, manifests: [desc] }) },
    { name: `blobs/sha256/${desc.digest.slice(7)}`, data: manifest },
    ...blobs,
  ]));
  const json = await runFerryJson<{ images: { names: string[]; mediaType: string; platforms: string[]; unpack: { outcome: { snapshot: string } } }[] }>(
    ['--root', join(dir, `store-${_label}`), 'import', archive],
    { env: { FERRY_PLATFORM: 'linux/amd64' } },
  );
  expect(json.images[0]).toMatchObject({ names: ['docker.io/library/old:1'], mediaType: MediaType.dockerManifest, platforms: ['linux/amd64'] });
  expect(readFileSync(join(json.images[0]!.unpack.outcome.snapshot, 'app', 'linux-amd64.txt'), 'utf8')).toContain('built for linux/amd64');
});
