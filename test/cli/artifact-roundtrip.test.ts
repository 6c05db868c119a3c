/**
 * Artifacts and referrers through the CLI: `artifact pack`, `images ls`, `export`, `import` into another store and
 * `extract`, with every digest unchanged on the way (`npm run build` first: these run bin/ferry).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Annotation } from '../../src/oci/descriptor.js';
import { digestOf } from '../../src/oci/digest.js';
import { EMPTY_JSON, MediaType } from '../../src/oci/mediatypes.js';
import { ociLayoutTar } from '../helpers/archive-fixtures.js';
import { runFerry, runFerryJson } from '../helpers/cli.js';
import { type BuiltImage, buildImage } from '../helpers/image-builder.js';
import { MemoryContent } from '../helpers/memory-content.js';
import { readTar, tarBytes } from '../helpers/tar.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ferry-artifact-cli-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const ferry = (root: string, ...args: string[]) => runFerry(['--root', join(dir, root), ...args], { env: { FERRY_PLATFORM: 'linux/amd64' } });
const ferryJson = <T>(root: string, ...args: string[]) => runFerryJson<T>(['--root', join(dir, root), ...args], { env: { FERRY_PLATFORM: 'linux/amd64' } });

interface Listing {
  name: string;
  digest: string;
  artifactType?: string;
  referrers: { digest: string; artifactType?: string; mediaType: string; subject: string }[];
}

/** blobs/… entries of an archive: digest → bytes, each checked against its name. */
async function archiveBlobs(path: string): Promise<Map<string, Buffer>> {
  const blobs = new Map<string, Buffer>();
  for (const entry of await readTar(readFileSync(path))) {
    const m = /^blobs\/sha256\/([0-9a-f]{64})$/.exec(entry.name);
    if (!m) continue;
    expect(digestOf(entry.data)).toBe(`sha256:${m[1]}`);
    blobs.set(`sha256:${m[1]}`, entry.data);
  }
  return blobs;
}

async function archiveIndex(path: string): Promise<{ manifests: { digest: string; annotations?: Record<string, string> }[] }> {
  const entry = (await readTar(readFileSync(path))).find((e) => e.name === 'index.json')!;
  return JSON.parse(entry.data.toString());
}

/** An artifact the way model tooling writes one: custom config and layer types, a `data` field, a subject. */
async function modelArtifact(subject: BuiltImage): Promise<{ content: MemoryContent; desc: ReturnType<MemoryContent['put']> }> {
  const content = new MemoryContent();
  const config = content.put('application/vnd.cnai.model.config.v1+json', '{"descriptor":{"name":"tiny"},"config":{"format":"gguf"}}');
  const weights = content.put('application/vnd.cnai.model.layer.v1.tar', await tarBytes([{ name: 'model/', type: 'directory' }, { name: 'model/w.gguf', data: 'weights' }]), {
    annotations: { [Annotation.title]: 'model', 'org.cnai.model.filepath': 'model' },
  });
  const notes = content.put('text/markdown', '# tiny\n');
  const inline = { ...notes, data: Buffer.from('# tiny\n').toString('base64'), annotations: { [Annotation.title]: 'README.md' } };
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      artifactType: 'application/vnd.cnai.model.manifest.v1+json',
      config,
      layers: [weights, inline],
      subject: { mediaType: subject.index.desc.mediaType, digest: subject.index.desc.digest, size: subject.index.desc.size },
      annotations: { 'org.opencontainers.image.created': '2025-01-01T00:00:00Z' },
    }),
  );
  return { content, desc: content.put(MediaType.ociManifest, manifest, { artifactType: 'application/vnd.cnai.model.manifest.v1+json' }) };
}

describe('artifacts through import and export', () => {
  it('keeps an artifact with custom types, data fields and a subject byte for byte (import --all-platforms, export)', async () => {
    const image = await buildImage({ attestations: true, platforms: [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }] });
    const model = await modelArtifact(image);
    const built: BuiltImage = { ...image, content: new MemoryContent([...image.content.blobs, ...model.content.blobs]) };
    const input = join(dir, 'in.tar');
    writeFileSync(
      input,
      await ociLayoutTar({
        images: [
          { image: built, containerdName: 'docker.io/acme/app:1' },
          { image: built, containerdName: 'docker.io/acme/model:1', top: model.desc },
        ],
      }),
    );
    const imported = await ferry('a', 'import', '--all-platforms', input);
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);

    const listed = await ferryJson<Listing[]>('a', 'images', 'ls');
    expect(listed.find((i) => i.name === 'docker.io/acme/app:1')!.referrers).toEqual([
      { digest: model.desc.digest, mediaType: MediaType.ociManifest, artifactType: 'application/vnd.cnai.model.manifest.v1+json', subject: image.index.desc.digest },
    ]);
    expect(listed.find((i) => i.name === 'docker.io/acme/model:1')).toMatchObject({ digest: model.desc.digest, artifactType: 'application/vnd.cnai.model.manifest.v1+json' });

    const out = join(dir, 'out.tar');
    const exported = await ferry('a', 'export', '--all-platforms', out, 'docker.io/acme/app:1', 'docker.io/acme/model:1');
    expect(exported.code).toBe(0);
    const blobs = await archiveBlobs(out);
    // Every blob of both, attestations included, comes out with the bytes it went in with.
    for (const [digest, bytes] of built.content.blobs) expect(blobs.get(digest)?.equals(bytes), digest).toBe(true);
    expect((await archiveIndex(out)).manifests.map((m) => m.digest).sort()).toEqual([image.index.desc.digest, model.desc.digest].sort());
  });
});

describe('ferry artifact pack, export, import, extract', () => {
  it('round-trips an artifact of several layers and custom media types, referring to one platform manifest', async () => {
    const image = await buildImage({ attestations: true, platforms: [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }] });
    const input = join(dir, 'image.tar');
    writeFileSync(input, await ociLayoutTar({ images: [{ image, containerdName: 'docker.io/acme/app:1' }] }));
    expect((await ferry('a', 'import', '--all-platforms', '--no-unpack', input)).code).toBe(0);

    const files = {
      'weights.bin': Buffer.alloc(200_000, 3),
      'sbom.spdx.json': Buffer.from('{"spdxVersion":"SPDX-2.3"}'),
      'app.conf': Buffer.from('threads=4\n'),
    };
    for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
    const arm64 = image.manifests[1]!.desc.digest;
    const packed = await ferryJson<{ name: string; digest: string; subject: string; layers: { title: string; digest: string; mediaType: string }[] }>(
      'a', 'artifact', 'pack', 'acme/app:1-extras',
      join(dir, 'weights.bin:application/vnd.cnai.model.layer.v1.tar'), join(dir, 'sbom.spdx.json:application/spdx+json'), join(dir, 'app.conf'),
      '--artifact-type', 'application/vnd.acme.bundle.v1', '--annotation', 'org.opencontainers.image.description=extras', '--subject', `acme/app:1@${arm64}`,
    );
    expect(packed).toMatchObject({ name: 'docker.io/acme/app:1-extras', subject: arm64 });
    expect(packed.layers.map((l) => [l.title, l.mediaType, l.digest])).toEqual([
      ['weights.bin', 'application/vnd.cnai.model.layer.v1.tar', digestOf(files['weights.bin'])],
      ['sbom.spdx.json', 'application/spdx+json', digestOf(files['sbom.spdx.json'])],
      ['app.conf', 'application/octet-stream', digestOf(files['app.conf'])],
    ]);
    // Text: the referrer indented under its image, naming the platform manifest it refers to.
    const text = await ferry('a', 'images', 'ls');
    expect(text.stdout).toMatch(new RegExp(`^ {2}referrer +${packed.digest.slice(0, 19)} +application/vnd\\.acme\\.bundle\\.v1 \\(of ${arm64.slice(0, 19)}\\)$`, 'm'));

    const out = join(dir, 'out.tar');
    expect((await ferry('a', 'export', '--all-platforms', out, 'acme/app:1', 'acme/app:1-extras')).code).toBe(0);
    const manifest = JSON.parse((await archiveBlobs(out)).get(packed.digest)!.toString());
    expect(manifest).toMatchObject({ artifactType: 'application/vnd.acme.bundle.v1', config: EMPTY_JSON, subject: { digest: arm64 } });

    expect((await ferry('b', 'import', '--all-platforms', '--no-unpack', out)).code).toBe(0);
    const listed = await ferryJson<Listing[]>('b', 'images', 'ls');
    expect(listed.map((i) => [i.name, i.digest])).toEqual(
      expect.arrayContaining([
        ['docker.io/acme/app:1', image.index.desc.digest],
        ['docker.io/acme/app:1-extras', packed.digest],
      ]),
    );
    expect(listed.find((i) => i.name === 'docker.io/acme/app:1')!.referrers).toEqual([
      { digest: packed.digest, mediaType: MediaType.ociManifest, artifactType: 'application/vnd.acme.bundle.v1', subject: arm64 },
    ]);

    const extracted = await ferryJson<{ layers: { as: string; path: string; digest: string }[] }>('b', 'extract', 'acme/app:1-extras', join(dir, 'files'));
    expect(extracted.layers.map((l) => [l.as, l.path])).toEqual([['file', 'weights.bin'], ['file', 'sbom.spdx.json'], ['file', 'app.conf']]);
    for (const [name, bytes] of Object.entries(files)) expect(readFileSync(join(dir, 'files', name)).equals(bytes), name).toBe(true);
    await ferryJson('b', 'extract', '--layer', '1', 'acme/app:1-extras', join(dir, 'one'));
    expect(readFileSync(join(dir, 'one', 'sbom.spdx.json')).equals(files['sbom.spdx.json'])).toBe(true);
  });

  it('refuses to extract an index and to pack a file twice, with one line each', async () => {
    const image = await buildImage({ platforms: [{ os: 'linux', architecture: 'amd64' }] });
    const input = join(dir, 'image.tar');
    writeFileSync(input, await ociLayoutTar({ images: [{ image, containerdName: 'docker.io/acme/app:1' }] }));
    await ferry('a', 'import', '--all-platforms', '--no-unpack', input);
    const extract = await ferry('a', 'extract', 'acme/app:1', join(dir, 'x'));
    expect(extract.code).toBe(1);
    expect(extract.stderr).toMatch(/^ferry: docker\.io\/acme\/app:1 is a application\/vnd\.oci\.image\.index\.v1\+json, not an artifact manifest; .*\(ERR_UNSUPPORTED_MEDIA_TYPE\)\n$/);
    writeFileSync(join(dir, 'a.txt'), 'a');
    const pack = await ferry('a', 'artifact', 'pack', 'acme/x:1', join(dir, 'a.txt'), join(dir, 'a.txt'));
    expect(pack.code).toBe(1);
    expect(pack.stderr).toMatch(/^ferry: two files are named a\.txt; .*\(ERR_CONFLICT\)\n$/);
  });
});
