import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isFerryError } from '../../src/errors.js';
import { inspectImage } from '../../src/ops/inspect-image.js';
import { verifyArchive } from '../../src/ops/verify-archive.js';
import { importArchive } from '../../src/ops/import-archive.js';
import { Store } from '../../src/store/index.js';
import { ociLayoutTar } from '../helpers/archive-fixtures.js';
import { runFerry, runFerryJson } from '../helpers/cli.js';
import { type BuiltImage, buildImage } from '../helpers/image-builder.js';
import { AMD64, ARM64 } from './airgap-fixtures.js';

const NAME = 'docker.io/library/tree:1';
let dir: string;
let image: BuiltImage;
let whole: string;
let partial: string;
let missingLayer: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ferry-verify-'));
  image = await buildImage({ platforms: [AMD64, ARM64], attestations: true, seed: 'tree' });
  whole = join(dir, 'whole.tar');
  writeFileSync(whole, await ociLayoutTar({ images: [{ image, containerdName: NAME }] }));
  missingLayer = image.manifests[1]!.layers[1]!.desc.digest;
  partial = join(dir, 'partial.tar');
  writeFileSync(partial, await ociLayoutTar({ images: [{ image, containerdName: NAME }], omit: new Set([missingLayer]) }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ferry verify', () => {
  it.each([
    { what: 'a complete archive exits 0', path: () => whole, code: 0, out: /complete; .*digest verified/ },
    { what: 'a partial archive exits 1 and says which platform lacks what', path: () => partial, code: 1, out: /PARTIAL[\s\S]*linux\/arm64: partial, missing sha256:/ },
  ])('$what', async ({ path, code, out }) => {
    const result = await runFerry(['verify', path()]);
    expect(result.code).toBe(code);
    expect(result.stdout).toMatch(out);
  });

  it('reports per platform what is missing', async () => {
    const result = await verifyArchive(partial);
    expect(result.complete).toBe(false);
    expect(result.images[0]!.manifests.map((m) => [m.platform, m.complete, m.missing])).toEqual([
      ['linux/amd64', true, []],
      ['linux/arm64', false, [missingLayer]],
    ]);
  });

  it('fails a corrupt archive with a digest mismatch naming the entry (exit 1)', async () => {
    const tar = await ociLayoutTar({ images: [{ image, containerdName: NAME }] });
    const layer = image.manifests[0]!.layers[0]!;
    const at = tar.indexOf(image.content.blobs.get(layer.desc.digest)!);
    tar.writeUInt8(tar.readUInt8(at + 10) ^ 0xff, at + 10);
    const corrupt = join(dir, 'corrupt.tar');
    writeFileSync(corrupt, tar);
    const err = await verifyArchive(corrupt).then(() => undefined, (e: unknown) => e);
    expect(isFerryError(err, 'ERR_DIGEST_MISMATCH')).toBe(true);
    expect((err as Error).message).toContain(layer.desc.digest.slice(7));
    const cli = await runFerry(['verify', corrupt]);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toMatch(/\(ERR_DIGEST_MISMATCH\)$/m);
  });
});

describe('ferry inspect', () => {
  it('shows an archive as index → platforms → manifest → config and layers, with attestations and what is missing', async () => {
    const result = await runFerryJson<Awaited<ReturnType<typeof inspectImage>>>(['inspect', partial]);
    expect(result.kind).toBe('archive');
    const tree = result.images[0]!;
    expect(tree).toEqual(expect.objectContaining({ names: [NAME], status: 'partial', delta: false }));
    const arm = tree.manifests[1]!;
    expect(arm.manifest.digest).toBe(image.manifests[1]!.desc.digest);
    expect(arm.config).toEqual(expect.objectContaining({ digest: image.manifests[1]!.config.desc.digest, state: 'present' }));
    expect(arm.layers.map((l) => l.state)).toEqual(['present', 'missing']);
    expect(arm.attestations).toHaveLength(1);
    expect(arm.attestations[0]!.manifest.annotations?.['vnd.docker.reference.type']).toBe('attestation-manifest');
  });

  it('shows an image of the store when the argument is not a file', async () => {
    const store = await Store.open(join(dir, 'store'));
    await importArchive(store, whole, { allPlatforms: true, unpack: false });
    const result = await inspectImage(async () => store, 'tree:1');
    expect(result.kind).toBe('store');
    expect(result.images[0]).toEqual(expect.objectContaining({ names: [NAME], status: 'complete' }));
    expect(result.images[0]!.manifests.map((m) => m.platform)).toEqual(['linux/amd64', 'linux/arm64']);
    const err = await inspectImage(async () => store, 'nothing:here').then(() => undefined, (e: unknown) => e);
    expect(isFerryError(err, 'ERR_NOT_FOUND')).toBe(true);
  });
});
