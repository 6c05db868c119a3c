import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isFerryError } from '../../src/errors.js';
import { openLayout } from '../../src/store/layout.js';
import { Store } from '../../src/store/store.js';
import { tempDir, type TempDir } from '../helpers/temp-dir.js';

describe('store layout', () => {
  let tmp: TempDir;
  beforeEach(async () => {
    tmp = await tempDir('ferry-store-');
  });
  afterEach(() => tmp.cleanup());

  it('creates an empty OCI image layout with private dirs beside it', async () => {
    const root = join(tmp.dir, 'new', 'store');
    const store = await Store.open(root);
    expect(store.root).toBe(root);
    expect(JSON.parse(await readFile(join(root, 'oci-layout'), 'utf8'))).toEqual({ imageLayoutVersion: '1.0.0' });
    expect(JSON.parse(await readFile(join(root, 'index.json'), 'utf8'))).toEqual({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [],
    });
    expect(existsSync(join(root, 'blobs', 'sha256'))).toBe(true);
    expect(existsSync(join(root, 'ingest'))).toBe(true);
    expect(await store.listImages()).toEqual([]);
  });

  it('opens an existing layout without touching its index', async () => {
    const root = tmp.dir;
    await writeFile(join(root, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    const index = '{"schemaVersion":2,"manifests":[]}';
    await writeFile(join(root, 'index.json'), index);
    await openLayout(root);
    await openLayout(root);
    expect(await readFile(join(root, 'index.json'), 'utf8')).toBe(index);
  });

  it('accepts a later 1.x layout version', async () => {
    await writeFile(join(tmp.dir, 'oci-layout'), '{"imageLayoutVersion":"1.1.0"}');
    await expect(Store.open(tmp.dir)).resolves.toBeInstanceOf(Store);
  });

  it.each(['2.0.0', '0.9.0', 'one', ''])('refuses imageLayoutVersion %j and writes nothing', async (version) => {
    await writeFile(join(tmp.dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: version }));
    const err = await Store.open(tmp.dir).catch((e: unknown) => e);
    expect(isFerryError(err, 'ERR_STORE')).toBe(true);
    expect((err as Error).message).toContain('imageLayoutVersion');
    expect(existsSync(join(tmp.dir, 'index.json'))).toBe(false);
    expect(existsSync(join(tmp.dir, 'blobs'))).toBe(false);
  });

  it('refuses an oci-layout that is not JSON', async () => {
    await writeFile(join(tmp.dir, 'oci-layout'), 'nope');
    await expect(Store.open(tmp.dir)).rejects.toMatchObject({ code: 'ERR_INVALID_DOCUMENT' });
  });

  it('many openers of one fresh root agree on one layout', async () => {
    const root = join(tmp.dir, 'race');
    await mkdir(root);
    const stores = await Promise.all(Array.from({ length: 8 }, () => Store.open(root)));
    await stores[0]!.putImages([
      { name: 'example.com/a:1', target: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${'a'.repeat(64)}`, size: 1 } },
    ]);
    await Store.open(root);
    expect((await stores[7]!.listImages()).map((r) => r.name)).toEqual(['example.com/a:1']);
  });
});
