import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManifestSchema } from '../../src/oci/schemas.js';
import { parseDocument } from '../../src/oci/document.js';
import { Store } from '../../src/store/store.js';
import { blobDigests } from './fixtures/images.js';
import { tempDir, type TempDir } from '../helpers/temp-dir.js';
import { compileStore } from './fixtures/compile-store.js';

const WRITERS = 4;
const IMAGES_EACH = 50;

describe('store shared by concurrent processes', () => {
  let build: Awaited<ReturnType<typeof compileStore>>;
  let tmp: TempDir;
  beforeAll(async () => {
    build = await compileStore();
    tmp = await tempDir('ferry-store-');
  });
  afterAll(async () => {
    await build?.cleanup();
    await tmp?.cleanup();
  });

  it(`${WRITERS} processes importing ${IMAGES_EACH} images each (with gc runs) lose no record and no blob`, async () => {
    const root = join(tmp.dir, 'store');
    const writer = resolve(import.meta.dirname, 'fixtures', 'writer.mjs');
    await Promise.all(
      Array.from({ length: WRITERS }, (_, id) => promisify(execFile)(process.execPath, [writer, build.module, root, String(id), String(IMAGES_EACH)])),
    );

    const store = await Store.open(root);
    const records = await store.listImages();
    const expected = Array.from({ length: WRITERS }, (_, id) => Array.from({ length: IMAGES_EACH }, (_, i) => `example.com/writer${id}:${i}`)).flat();
    expect(records.map((r) => r.name).sort()).toEqual(expected.sort());

    // Every record's blobs are there and intact; nothing else is (gc ran, so nothing unreachable remains besides
    // what the last images added after a writer's last gc, which are all reachable anyway).
    const reachable = new Set<string>();
    for (const record of records) {
      const manifest = parseDocument(ManifestSchema, await store.readDocument(record.target), record.name).value;
      reachable.add(record.target.digest);
      for (const child of [manifest.config, ...manifest.layers]) {
        await store.readDocument(child, 1024 * 1024); // verifies digest and size
        reachable.add(child.digest);
      }
    }
    expect(await blobDigests(root)).toEqual([...reachable].sort());
    expect(await readdir(join(root, 'ingest'))).toEqual([]);
    expect((await readdir(root)).sort()).toEqual(['blobs', 'index.json', 'ingest', 'oci-layout']);
  });
});
