import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { packArtifact } from '../../src/artifact/pack.js';
import { presentBlobs, resolveImage } from '../../src/graph/resolve.js';
import type { Descriptor } from '../../src/oci/descriptor.js';
import { digestOf } from '../../src/oci/digest.js';
import { MediaType } from '../../src/oci/mediatypes.js';
import { listImages } from '../../src/ops/list-images.js';
import { findReferrers, referrerExports } from '../../src/ops/ends/referrers.js';
import { rewriteIndex } from '../../src/graph/rewrite-index.js';
import { indexWithoutAttestations, withoutAttachments } from '../../src/ops/policy/skip-attestations.js';
import { lookupStoreDocument } from '../../src/ops/ends/store-documents.js';
import { Store } from '../../src/store/index.js';
import { type BuiltImage, buildImage } from '../helpers/image-builder.js';

let dir: string;
let store: Store;
let image: BuiltImage;
const NAME = 'docker.io/library/app:1';

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-referrers-'));
  store = await Store.open(join(dir, 'store'));
  image = await buildImage({ attestations: true, platforms: [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }] });
  for (const [digest, bytes] of image.content.blobs) await store.write({ digest, size: bytes.length }, Readable.from([bytes]));
  await store.putImages([{ name: NAME, target: image.index.desc }]);
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** Packs a one-file artifact into the store; named when `name` is given, else an unnamed index.json entry as oras writes one. */
async function referrer(subject: Descriptor, artifactType: string, name?: string): Promise<Descriptor> {
  const file = join(dir, `${artifactType.replace(/\W/g, '_')}.json`);
  await writeFile(file, artifactType);
  const packed = await packArtifact(store, [{ path: file }], { artifactType, subject });
  await store.write(packed.desc, Readable.from([packed.bytes]));
  if (name) await store.putImages([{ name, target: packed.desc }]);
  else await store.updateIndex(async (entries) => [...entries, packed.desc]);
  return packed.desc;
}

describe('referrers in the store', () => {
  it('finds named and unnamed referrers of the index and of one platform manifest, and lists them under the image', async () => {
    const sbom = await referrer(image.index.desc, 'application/spdx+json', 'docker.io/library/app:sbom');
    const sig = await referrer(image.manifests[1]!.desc, 'application/vnd.dev.cosign.simplesigning.v1+json');
    expect(await findReferrers(store, image.index.desc.digest)).toEqual([{ mediaType: MediaType.ociManifest, digest: sbom.digest, size: sbom.size, artifactType: 'application/spdx+json' }]);
    expect((await findReferrers(store, image.manifests[1]!.desc.digest)).map((d) => d.digest)).toEqual([sig.digest]);
    expect(await findReferrers(store, image.manifests[0]!.desc.digest)).toEqual([]);

    const listed = await listImages(store);
    const app = listed.find((i) => i.name === NAME)!;
    expect(app.artifactType).toBeUndefined();
    expect(app.referrers).toEqual([
      { digest: sbom.digest, mediaType: MediaType.ociManifest, artifactType: 'application/spdx+json', subject: image.index.desc.digest },
      { digest: sig.digest, mediaType: MediaType.ociManifest, artifactType: 'application/vnd.dev.cosign.simplesigning.v1+json', subject: image.manifests[1]!.desc.digest },
    ]);
    expect(listed.find((i) => i.name === 'docker.io/library/app:sbom')).toMatchObject({ artifactType: 'application/spdx+json', referrers: [] });
  });

  it('exports referrers transitively, named as the store names them or by digest, with their blobs', async () => {
    const sbom = await referrer(image.index.desc, 'application/spdx+json', 'docker.io/library/app:sbom');
    const sbomSig = await referrer(sbom, 'application/vnd.dev.sigstore.bundle.v0.3+json');
    const exported = await referrerExports(store, NAME, [image.index.desc.digest, ...image.manifests.map((m) => m.desc.digest)]);
    expect(exported.images.map((i) => [i.name, i.target.digest])).toEqual([
      ['docker.io/library/app:sbom', sbom.digest],
      [`docker.io/library/app@${sbomSig.digest}`, sbomSig.digest],
    ]);
    expect(exported.incomplete).toEqual([]);
    const blobs = new Set(exported.blobs.map((b) => b.digest));
    for (const desc of [sbom, sbomSig]) {
      const manifest = JSON.parse((await store.readDocument(desc)).toString());
      for (const d of [desc, manifest.config, ...manifest.layers]) expect(blobs.has(d.digest), d.digest).toBe(true);
    }
  });

  it('leaves out a referrer the store holds only in part', async () => {
    const sbom = await referrer(image.index.desc, 'application/spdx+json', 'docker.io/library/app:sbom');
    const manifest = JSON.parse((await store.readDocument(sbom)).toString());
    await rm(store.blobPath(manifest.layers[0].digest));
    expect(await referrerExports(store, NAME, [image.index.desc.digest])).toEqual({ images: [], blobs: [], incomplete: [sbom.digest] });
  });

  it('looks up a manifest by name, NAME@digest or bare digest', async () => {
    const platform = image.manifests[1]!.desc;
    expect((await lookupStoreDocument(store, 'app:1')).desc.digest).toBe(image.index.desc.digest);
    expect((await lookupStoreDocument(store, `app@${platform.digest}`)).desc).toMatchObject({ digest: platform.digest, platform: platform.platform });
    expect((await lookupStoreDocument(store, platform.digest)).desc.digest).toBe(platform.digest);
    await expect(lookupStoreDocument(store, `app@${digestOf('nothing')}`)).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
  });
});

describe('--skip-attestations', () => {
  it('rewrites the index without attestation entries, keeping every other field as written', async () => {
    const raw = JSON.parse(image.index.bytes.toString());
    const bytes = Buffer.from(JSON.stringify({ ...raw, annotations: { keep: 'me' }, 'x-unknown': [1] }));
    const desc = { mediaType: MediaType.ociIndex, digest: digestOf(bytes), size: bytes.length };
    const result = indexWithoutAttestations(desc, bytes)!;
    expect(result.dropped.map((d) => d.digest)).toEqual(image.attestations.map((a) => a.desc.digest));
    const rewritten = JSON.parse(result.bytes.toString());
    expect(Object.keys(rewritten)).toEqual(['schemaVersion', 'mediaType', 'manifests', 'annotations', 'x-unknown']);
    expect(rewritten.manifests).toEqual(image.manifests.map((m) => m.desc));
    expect(result.desc).toEqual({ mediaType: MediaType.ociIndex, digest: digestOf(result.bytes), size: result.bytes.length });
    expect(result.desc.digest).not.toBe(desc.digest);
  });

  it('leaves an index without attestations as it is', async () => {
    const plain = await buildImage();
    expect(indexWithoutAttestations(plain.index.desc, plain.index.bytes)).toBeUndefined();
  });

  it('drops attachments so neither their blobs nor their index entries are exported', async () => {
    const resolved = withoutAttachments(await resolveImage(store, image.index.desc, { all: true }));
    const blobs = new Set(presentBlobs(resolved).map((b) => b.digest));
    for (const att of image.attestations) expect(blobs.has(att.desc.digest)).toBe(false);
    const index = JSON.parse(rewriteIndex(resolved).bytes.toString());
    expect(index.manifests.map((m: Descriptor) => m.digest)).toEqual(image.manifests.map((m) => m.desc.digest));
  });
});
