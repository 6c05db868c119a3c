import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isFerryError } from '../../src/errors.js';
import { DELTA_ANNOTATION, readExcludedBlobs } from '../../src/ops/policy/delta.js';
import { importArchive } from '../../src/ops/import-archive.js';
import { storeInventory } from '../../src/ops/inventory.js';
import { listImages } from '../../src/ops/list-images.js';
import { verifyArchive } from '../../src/ops/verify-archive.js';
import { Store } from '../../src/store/index.js';
import { runFerry, runFerryJson } from '../helpers/cli.js';
import { readTar } from '../helpers/tar.js';
import { AMD64, exportTo, perArchArchive } from './airgap-fixtures.js';

const V1 = 'ghcr.io/ferry/app:1';
const V2 = 'ghcr.io/ferry/app:2';
let dir: string;
let v1: Awaited<ReturnType<typeof perArchArchive>>;
let v2: Awaited<ReturnType<typeof perArchArchive>>;
let delta: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ferry-delta-'));
  // Same seed: the same base layer; different padding: a different top layer. v2 is the new release.
  v1 = await perArchArchive(dir, V1, AMD64, { seed: 'app', padding: 10 });
  v2 = await perArchArchive(dir, V2, AMD64, { seed: 'app', padding: 5000 });
  delta = join(dir, 'delta.tar');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('delta export and import across an air gap', () => {
  it('writes only what the base lacks (documents always), marked as a delta, and smaller by the shared layer', async () => {
    const base = v2.image.manifests[0]!.layers[0]!.desc;
    expect(base.digest).toBe(v1.image.manifests[0]!.layers[0]!.desc.digest);
    const result = await runFerryJson<{ excluded: number; images: { name: string }[] }>(['--root', v2.store.root, 'export', '--exclude-blobs-from', v1.path, delta, V2]);
    expect(result.excluded).toBe(1);

    const entries = await readTar(readFileSync(delta));
    const names = entries.map((e) => e.name);
    expect(names).not.toContain(`blobs/sha256/${base.digest.slice(7)}`);
    const m = v2.image.manifests[0]!;
    for (const d of [m.desc, m.config.desc, m.layers[1]!.desc]) expect(names).toContain(`blobs/sha256/${d.digest.slice(7)}`);
    // docker load could not complete a delta: no manifest.json.
    expect(names).not.toContain('manifest.json');
    const index = JSON.parse(entries.find((e) => e.name === 'index.json')!.data.toString()) as { manifests: { annotations: Record<string, string> }[] };
    expect(index.manifests[0]!.annotations[DELTA_ANNOTATION]).toBe('true');
    expect(statSync(v2.path).size - statSync(delta).size).toBeGreaterThanOrEqual(base.size);

    const verified = await verifyArchive(delta);
    expect(verified.complete).toBe(false);
    expect(verified.images[0]).toEqual(expect.objectContaining({ delta: true, status: 'partial' }));
  });

  it('completes the image on a far store that imported the base, and leaves no delta mark there', async () => {
    const far = await Store.open(join(dir, 'far'));
    await importArchive(far, v1.path, { allPlatforms: true, unpack: false });
    const imported = await runFerryJson<{ images: { names: string[]; platforms: string[]; incomplete: unknown[] }[] }>(['--root', far.root, 'import', delta]);
    expect(imported.images).toEqual([expect.objectContaining({ names: [V2], platforms: ['linux/amd64'], incomplete: [] })]);
    expect(await listImages(far)).toEqual(expect.arrayContaining([expect.objectContaining({ name: V2, platforms: ['linux/amd64'], partial: false })]));
    const record = await far.getImage(V2);
    expect(record?.target.annotations?.[DELTA_ANNOTATION]).toBeUndefined();
    expect(record?.annotations?.[DELTA_ANNOTATION]).toBeUndefined();
    // The base layer was already in the store: the commit kept it.
    expect(await far.has(v1.image.manifests[0]!.layers[0]!.desc)).toBe(true);
  });

  it('fails on a store without the base, naming the missing blob and what to do, and changes nothing', async () => {
    const empty = await Store.open(join(dir, 'empty'));
    const err = await importArchive(empty, delta, { allPlatforms: true, unpack: false }).then(() => undefined, (e: unknown) => e);
    expect(isFerryError(err, 'ERR_BLOB_MISSING')).toBe(true);
    expect((err as Error).message).toContain(v1.image.manifests[0]!.layers[0]!.desc.digest);
    expect((err as { hint: string }).hint).toMatch(/import the base archive/);
    expect(await empty.listImages()).toEqual([]);
    expect(await storeInventory(empty)).toEqual([]);
  });

  it('takes the far side\'s inventory as the list of what it holds, giving the same delta byte for byte', async () => {
    const far = await Store.open(join(dir, 'far-inventory'));
    await importArchive(far, v1.path, { allPlatforms: true, unpack: false });
    const list = join(dir, 'have.txt');
    const cli = await runFerry(['--root', far.root, 'inventory', '-o', list]);
    expect(cli.code).toBe(0);
    const digests = readFileSync(list, 'utf8').trim().split('\n');
    expect(digests).toEqual(await storeInventory(far));
    expect(digests).toEqual([...digests].sort());
    expect(digests).toContain(v1.image.manifests[0]!.layers[0]!.desc.digest);

    const fromList = join(dir, 'delta-from-list.tar');
    await exportTo(v2.store, [V2], fromList, { excludeBlobs: await readExcludedBlobs(list) });
    expect(readFileSync(fromList).equals(readFileSync(delta))).toBe(true);
  });

  it('rejects a list line that is not a digest, naming the line', async () => {
    const list = join(dir, 'bad.txt');
    writeFileSync(list, `# blobs\n${v1.image.manifests[0]!.layers[0]!.desc.digest}\nsha256:nothex\n`);
    const err = await readExcludedBlobs(list).then(() => undefined, (e: unknown) => e);
    expect(isFerryError(err, 'ERR_INVALID_DIGEST')).toBe(true);
    expect((err as Error).message).toContain('bad.txt:3');
  });
});
