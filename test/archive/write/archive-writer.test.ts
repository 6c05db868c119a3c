import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { archiveMtime, writeArchive } from '../../../src/archive/write/archive-writer.js';
import { blobPath, type ExportPlan } from '../../../src/archive/write/export-plan.js';
import { FerryError } from '../../../src/errors.js';
import type { Descriptor } from '../../../src/oci/descriptor.js';
import { isImageLayer, MediaType } from '../../../src/oci/mediatypes.js';
import { type BuiltImage, buildImage } from '../../helpers/image-builder.js';
import { MemoryContent } from '../../helpers/memory-content.js';
import { readTar } from '../../helpers/tar.js';
import { imageBlobs, mergedContent, planFor } from './export-fixtures.js';
import { BufferSink, writeToBuffer } from './write-helpers.js';

const ALPINE = 'docker.io/library/alpine:3.19';
const OTHER = 'ghcr.io/ferry/other:1.0';

let image: BuiltImage;
let other: BuiltImage;

beforeAll(async () => {
  image = await buildImage({ attestations: true });
  other = await buildImage({ seed: 'other', format: 'docker', platforms: [{ os: 'linux', architecture: 'amd64' }] });
});

afterEach(() => {
  vi.unstubAllEnvs();
});

function sortedUnique(digests: string[]): string[] {
  return [...new Set(digests)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function corrupted(content: MemoryContent, digest: string, replace: (b: Buffer) => Buffer): MemoryContent {
  const copy = new MemoryContent(content.blobs);
  copy.blobs.set(digest, replace(Buffer.from(content.blobs.get(digest) ?? Buffer.alloc(0))));
  return copy;
}

describe('writeArchive: layout', () => {
  it('writes oci-layout, index.json, manifest.json, the directories, metadata blobs, then layers, each group by digest', async () => {
    const plan = planFor([{ image, name: ALPINE, dockerPlatform: 0 }]);
    const { bytes, result } = await writeToBuffer(image.content, plan);
    const entries = await readTar(bytes);

    const all = imageBlobs(image);
    const metadata = sortedUnique(all.filter((d) => !isImageLayer(d.mediaType)).map((d) => d.digest));
    const layers = sortedUnique(all.filter((d) => isImageLayer(d.mediaType)).map((d) => d.digest));
    expect(entries.map((e) => e.name)).toEqual([
      'oci-layout',
      'index.json',
      'manifest.json',
      'blobs/',
      'blobs/sha256/',
      ...metadata.map(blobPath),
      ...layers.map(blobPath),
    ]);
    // Attestation statements (in-toto) are not image layers: they travel with the metadata.
    expect(all.some((d) => d.mediaType === MediaType.inToto)).toBe(true);
    for (const e of entries.filter((e) => e.name.startsWith('blobs/sha256/') && e.type === 'file')) {
      expect(e.data.equals(image.content.blobs.get(`sha256:${e.name.slice(13)}`) ?? Buffer.alloc(1))).toBe(true);
    }
    expect(result).toEqual({ bytes: bytes.length, blobs: metadata.length + layers.length });
    expect(JSON.parse(entries[0]?.data.toString() ?? '')).toEqual({ imageLayoutVersion: '1.0.0' });
  });

  it('writes fixed headers: mtime 0, owner 0:0 without names, 0644 files, 0755 directories, ustar', async () => {
    const { bytes } = await writeToBuffer(image.content, planFor([{ image, name: ALPINE, dockerPlatform: 0 }]));
    for (const e of await readTar(bytes)) {
      expect(e.mtime?.getTime(), e.name).toBe(0);
      expect([e.uid, e.gid], e.name).toEqual([0, 0]);
      expect(e.mode, e.name).toBe(e.type === 'directory' ? 0o755 : 0o644);
      expect(e.type, e.name).toBe(e.name.endsWith('/') ? 'directory' : 'file');
    }
    const first = bytes.subarray(0, 512);
    expect(first.subarray(257, 265).toString('latin1')).toBe('ustar\u000000');
    expect(first.subarray(265, 329).every((b) => b === 0)).toBe(true); // uname, gname
  });

  it.each([
    { name: 'docker.io/library/alpine:3.19', refName: '3.19' },
    { name: 'localhost:5000/team/app:v1', refName: 'v1' },
    { name: 'ghcr.io/a/b:1@sha256:' + 'a'.repeat(64), refName: '1' },
    { name: 'ghcr.io/a/b@sha256:' + 'a'.repeat(64), refName: undefined },
  ])('annotates $name in index.json with the full name and ref.name $refName', async ({ name, refName }) => {
    // A stale ref.name on the target must not survive; other annotations must.
    const target: Descriptor = { ...image.index.desc, annotations: { 'org.opencontainers.image.ref.name': 'stale', 'com.example.keep': 'yes' } };
    const plan: ExportPlan = { images: [{ name, target }], blobs: imageBlobs(image) };
    const entries = await readTar((await writeToBuffer(image.content, plan)).bytes);
    const index = JSON.parse(entries.find((e) => e.name === 'index.json')?.data.toString() ?? '');
    expect(index).toEqual({
      schemaVersion: 2,
      mediaType: MediaType.ociIndex,
      manifests: [
        {
          mediaType: image.index.desc.mediaType,
          digest: image.index.desc.digest,
          size: image.index.desc.size,
          annotations: {
            'com.example.keep': 'yes',
            'io.containerd.image.name': name,
            ...(refName === undefined ? {} : { 'org.opencontainers.image.ref.name': refName }),
          },
        },
      ],
    });
    expect(entries.some((e) => e.name === 'manifest.json')).toBe(false);
  });

  it('writes index.json entries sorted by name, in a fixed key order, keeping platform and artifactType', async () => {
    const manifest = image.manifests[1];
    if (!manifest) throw new Error('fixture');
    const target = { artifactType: 'application/x-test', platform: { variant: 'v8', os: 'linux', architecture: 'arm64' }, ...manifest.desc };
    const plan: ExportPlan = {
      images: [
        { name: 'docker.io/library/zeta:1', target: image.index.desc },
        { name: 'docker.io/library/alpha:1', target },
      ],
      blobs: imageBlobs(image),
    };
    const entries = await readTar((await writeToBuffer(image.content, plan)).bytes);
    const text = entries.find((e) => e.name === 'index.json')?.data.toString() ?? '';
    expect(text).toBe(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.ociIndex,
        manifests: [
          {
            mediaType: manifest.desc.mediaType,
            digest: manifest.desc.digest,
            size: manifest.desc.size,
            annotations: { 'io.containerd.image.name': 'docker.io/library/alpha:1', 'org.opencontainers.image.ref.name': '1' },
            platform: { architecture: 'arm64', os: 'linux', variant: 'v8' },
            artifactType: 'application/x-test',
          },
          {
            mediaType: image.index.desc.mediaType,
            digest: image.index.desc.digest,
            size: image.index.desc.size,
            annotations: { 'io.containerd.image.name': 'docker.io/library/zeta:1', 'org.opencontainers.image.ref.name': '1' },
          },
        ],
      }),
    );
  });

  it('writes manifest.json with Docker 25+ paths into blobs/, sorted by tag', async () => {
    const plan = planFor([
      { image: other, name: OTHER, dockerPlatform: 0 },
      { image, name: ALPINE, dockerPlatform: 1 },
    ]);
    const entries = await readTar((await writeToBuffer(mergedContent(image, other), plan)).bytes);
    const text = entries.find((e) => e.name === 'manifest.json')?.data.toString() ?? '';
    const entry = (m: BuiltImage['manifests'][number] | undefined, tag: string) => ({
      Config: `blobs/sha256/${m?.config.desc.digest.slice(7)}`,
      RepoTags: [tag],
      Layers: m?.layers.map((l) => `blobs/sha256/${l.desc.digest.slice(7)}`),
    });
    expect(text).toBe(JSON.stringify([entry(image.manifests[1], 'alpine:3.19'), entry(other.manifests[0], 'ghcr.io/ferry/other:1.0')]));
    // Every path manifest.json names is an entry of the archive.
    const names = new Set(entries.map((e) => e.name));
    for (const e of JSON.parse(text) as { Config: string; Layers: string[] }[]) {
      for (const p of [e.Config, ...e.Layers]) expect(names.has(p), p).toBe(true);
    }
  });

  it('writes a blob shared by several images and listed several times once', async () => {
    const twin = await buildImage({ seed: 'ferry', platforms: [{ os: 'linux', architecture: 'amd64' }] });
    const plan = planFor([
      { image, name: ALPINE, dockerPlatform: 0 },
      { image, name: 'docker.io/library/alpine:latest', dockerPlatform: 0 },
      { image: twin, name: OTHER },
    ]);
    plan.blobs.push(...plan.blobs);
    const { bytes, result } = await writeToBuffer(mergedContent(image, twin), plan);
    const names = (await readTar(bytes)).map((e) => e.name);
    expect(new Set(names).size).toBe(names.length);
    const unique = new Set([...imageBlobs(image), ...imageBlobs(twin)].map((d) => d.digest));
    // The twin shares the base layer (and the amd64 layer and config) with the 4-platform image.
    expect(unique.size).toBeLessThan(imageBlobs(image).length + imageBlobs(twin).length);
    expect(result.blobs).toBe(unique.size);
    expect(names.filter((n) => n.startsWith('blobs/sha256/') && n.length > 13)).toHaveLength(unique.size);
  });
});

describe('writeArchive: determinism', () => {
  it('gives byte-identical output for the same plan, whatever the order of its lists', async () => {
    const plan = planFor([
      { image, name: ALPINE, dockerPlatform: 0 },
      { image: other, name: OTHER, dockerPlatform: 0 },
    ]);
    const shuffled: ExportPlan = {
      images: [...plan.images].reverse(),
      blobs: [...plan.blobs].reverse(),
      dockerManifest: [...(plan.dockerManifest ?? [])].reverse(),
    };
    const content = mergedContent(image, other);
    const a = await writeToBuffer(content, plan);
    const b = await writeToBuffer(content, plan);
    const c = await writeToBuffer(content, shuffled);
    expect(a.bytes.equals(b.bytes)).toBe(true);
    expect(a.bytes.equals(c.bytes)).toBe(true);
  });

  it('takes mtimes from SOURCE_DATE_EPOCH, then from the caller, and changes nothing else', async () => {
    const plan = planFor([{ image, name: ALPINE, dockerPlatform: 0 }]);
    const base = await readTar((await writeToBuffer(image.content, plan)).bytes);
    vi.stubEnv('SOURCE_DATE_EPOCH', '1700000000');
    const fromEnv = await readTar((await writeToBuffer(image.content, plan)).bytes);
    const fromOption = await readTar((await writeToBuffer(image.content, plan, { mtime: new Date('2001-02-03T04:05:06.789Z') })).bytes);
    const withoutMtime = (entries: typeof base) => entries.map(({ mtime: _, ...rest }) => rest);
    expect(withoutMtime(fromEnv)).toEqual(withoutMtime(base));
    expect(withoutMtime(fromOption)).toEqual(withoutMtime(base));
    expect(new Set(fromEnv.map((e) => e.mtime?.getTime()))).toEqual(new Set([1700000000_000]));
    expect(new Set(fromOption.map((e) => e.mtime?.getTime()))).toEqual(new Set([Date.parse('2001-02-03T04:05:06Z')]));
  });

  it.each(['-1', '1.5', 'yesterday', '999999999999'])('refuses SOURCE_DATE_EPOCH=%s', (value) => {
    expect(() => archiveMtime(undefined, { SOURCE_DATE_EPOCH: value })).toThrow(expect.objectContaining({ code: 'ERR_USAGE' }));
  });

  it.each([
    [{}, 0],
    [{ SOURCE_DATE_EPOCH: '' }, 0],
    [{ SOURCE_DATE_EPOCH: '42' }, 42],
  ])('uses mtime %o → %i', (env, expected) => {
    expect(archiveMtime(undefined, env)).toBe(expected);
  });
});

describe('writeArchive: failures', () => {
  const plan = () => planFor([{ image, name: ALPINE, dockerPlatform: 0 }]);
  const layer = () => image.manifests[2]?.layers[1]?.desc.digest ?? '';

  it.each([
    { what: 'changed content', code: 'ERR_DIGEST_MISMATCH', replace: (b: Buffer) => Buffer.from(b.map((x, i) => (i === 5 ? x ^ 1 : x))) },
    { what: 'truncated content', code: 'ERR_SIZE_MISMATCH', replace: (b: Buffer) => b.subarray(0, b.length - 1) },
    { what: 'extra content', code: 'ERR_SIZE_MISMATCH', replace: (b: Buffer) => Buffer.concat([b, Buffer.from('x')]) },
  ])('fails with $code naming the digest on $what, and destroys the output', async ({ code, replace }) => {
    const sink = new BufferSink();
    const err = await writeArchive(sink, corrupted(image.content, layer(), replace), plan()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FerryError);
    expect(err).toMatchObject({ code, digest: layer() });
    expect(sink.destroyed).toBe(true);
  });

  it('fails with ERR_BLOB_MISSING before writing anything when the source lacks a blob', async () => {
    const content = new MemoryContent(image.content.blobs);
    content.blobs.delete(layer());
    const sink = new BufferSink();
    const err = await writeArchive(sink, content, plan()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_BLOB_MISSING', digest: layer() });
    expect((err as FerryError).hint).toContain('--allow-partial');
    expect(sink.chunks).toHaveLength(0);
    expect(sink.destroyed).toBe(true);
  });

  it('passes on a source stream that fails half-way, without hanging', async () => {
    const failing = {
      has: async () => true,
      fetch: async (desc: Descriptor) => {
        if (desc.digest !== layer()) return image.content.fetch(desc);
        return new Readable({
          read() {
            this.push(Buffer.alloc(10));
            this.destroy(new Error('disk on fire'));
          },
        });
      },
    };
    const sink = new BufferSink();
    await expect(writeArchive(sink, failing, plan())).rejects.toThrow('disk on fire');
    expect(sink.destroyed).toBe(true);
  });

  it.each([
    {
      what: 'a manifest.json blob that is not planned',
      code: 'ERR_INCOMPLETE',
      edit: (p: ExportPlan) => ({ ...p, blobs: p.blobs.filter((b) => b.digest !== layer()) }),
    },
    {
      what: 'an index.json target that is not planned',
      code: 'ERR_INCOMPLETE',
      edit: (p: ExportPlan) => ({ ...p, blobs: p.blobs.filter((b) => b.digest !== image.index.desc.digest) }),
    },
    {
      what: 'one name for two images',
      code: 'ERR_CONFLICT',
      edit: (p: ExportPlan) => ({ ...p, images: [...p.images, { name: ALPINE, target: image.manifests[0]?.desc as Descriptor }] }),
    },
    {
      what: 'one blob with two sizes',
      code: 'ERR_CONFLICT',
      edit: (p: ExportPlan) => ({ ...p, blobs: [...p.blobs, { ...image.index.desc, size: 1 }] }),
    },
  ])('refuses a plan with $what', async ({ code, edit }) => {
    const base = planFor([{ image, name: ALPINE, dockerPlatform: 2 }]);
    const sink = new BufferSink();
    await expect(writeArchive(sink, image.content, edit(base))).rejects.toMatchObject({ code });
    expect(sink.chunks).toHaveLength(0);
  });
});

describe('writeArchive: streaming', () => {
  it('reports progress for every blob, ending at its size', async () => {
    const last = new Map<string, number>();
    await writeToBuffer(image.content, planFor([{ image, name: ALPINE }]), { onProgress: (written, desc) => last.set(desc.digest, written) });
    const expected = new Map(imageBlobs(image).map((d) => [d.digest, d.size]));
    expect(last).toEqual(expected);
  });

  it('pulls from the source only as fast as the output takes it', async () => {
    const chunk = Buffer.alloc(64 * 1024, 7);
    const chunks = 256; // 16 MiB
    const hash = createHash('sha256');
    for (let i = 0; i < chunks; i++) hash.update(chunk);
    const big: Descriptor = { mediaType: MediaType.ociLayer, digest: `sha256:${hash.digest('hex')}`, size: chunk.length * chunks };
    let produced = 0;
    let consumed = 0;
    let maxAhead = 0;
    const source = {
      has: async () => true,
      fetch: async () =>
        Readable.from(
          (function* () {
            for (let i = 0; i < chunks; i++) {
              produced += chunk.length;
              yield chunk;
            }
          })(),
        ),
    };
    const slow = new BufferSink();
    slow._write = (c: Buffer, _e, done) => {
      consumed += c.length;
      maxAhead = Math.max(maxAhead, produced - consumed);
      setImmediate(done);
    };
    await writeArchive(slow, source, { images: [], blobs: [big] });
    expect(consumed).toBeGreaterThan(big.size);
    // The 16 MiB blob never gets more than a few buffers ahead of the output.
    expect(maxAhead).toBeLessThan(1024 * 1024);
  });
});
