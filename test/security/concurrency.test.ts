/**
 * Concurrency end to end: several `ferry import` processes and a `ferry gc` on one store at once lose no record
 * and corrupt no blob (test/store/concurrency.test.ts covers the same at the store API level).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FsckResult } from '../../src/store/fsck.js';
import { ociLayoutTar } from '../helpers/archive-fixtures.js';
import { runFerry, runFerryJson } from '../helpers/cli.js';
import { buildImage } from '../helpers/image-builder.js';

const IMPORTS = 4;
let base: string;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'ferry-concurrent-'));
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('concurrent ferry processes on one store', () => {
  it(`${IMPORTS} imports and a gc at once: every record kept, every blob sound`, async () => {
    const store = join(base, 'store');
    const archives: string[] = [];
    for (let i = 0; i < IMPORTS; i++) {
      // Two platforms each; the shared layer differs by seed, so imports both share nothing and race on the index.
      const image = await buildImage({ platforms: [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }], seed: `c${i}` });
      archives.push(join(base, `c${i}.tar`));
      await writeFile(archives[i]!, await ociLayoutTar({ images: [{ image, containerdName: `example.com/concurrent:${i}` }] }));
    }
    const runs = [
      ...archives.map((archive) => runFerry(['--root', store, 'import', '--all-platforms', archive])),
      runFerry(['--root', store, 'gc']),
      runFerry(['--root', store, 'gc']),
    ];
    for (const result of await Promise.all(runs)) expect(result.code, result.stderr).toBe(0);

    const names = (await runFerryJson<{ name: string }[]>(['--root', store, 'images', 'ls'])).map((r) => r.name).sort();
    expect(names).toEqual(archives.map((_, i) => `example.com/concurrent:${i}`));
    const check = await runFerryJson<FsckResult>(['--root', store, 'fsck']);
    expect(check.problems).toEqual([]);
    expect(check.absent).toEqual([]);
    // A gc after the dust settles finds nothing to remove: no import left an orphan.
    const gc = await runFerryJson<{ removedBlobs: unknown[] }>(['--root', store, 'gc']);
    expect(gc.removedBlobs).toEqual([]);
  });
});
