/**
 * Item 4 of issue 18: `ferry unpack IMAGE DIR` never deletes or mixes the user's files. A non-empty DIR is refused
 * unless --force (which replaces it wholly); the image is unpacked in a temporary sibling and renamed into place,
 * so a failure leaves DIR exactly as it was and no temporary directory behind.
 */
import { gzipSync } from 'node:zlib';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFerry } from '../helpers/cli.js';
import { tarBytes } from '../helpers/tar.js';
import { imageOf, layoutTar } from './hostile-corpus.js';
import { snapshotTree } from './store-snapshot.js';

const IMAGE = 'example.com/hostile:1';
let base: string;
let goodRoot: string;
let badRoot: string;

async function importInto(root: string, archive: Buffer): Promise<void> {
  const file = join(base, `${Math.random().toString(36).slice(2)}.tar`);
  await writeFile(file, archive);
  const result = await runFerry(['--root', root, 'import', '--no-unpack', file]);
  expect(result.code, result.stderr).toBe(0);
}

/**
 * A DIR holding the user's files, one of them named like the image's whiteout target, alone in a parent of its
 * own (where temporary siblings would show).
 */
async function userDirectory(name: string): Promise<string> {
  const dir = join(base, `${name}-parent`, name);
  await mkdir(join(dir, 'data'), { recursive: true });
  await writeFile(join(dir, 'data', 'precious.txt'), 'the user\'s file\n');
  await writeFile(join(dir, 'notes.txt'), 'mine\n');
  return dir;
}

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'ferry-unpack-dir-'));
  goodRoot = join(base, 'good-store');
  badRoot = join(base, 'bad-store');
  const lower = await tarBytes([{ name: 'data/', type: 'directory' }, { name: 'data/a.txt', data: 'a\n' }]);
  const upper = await tarBytes([{ name: 'data/.wh.precious.txt' }, { name: 'data/b.txt', data: 'b\n' }]);
  const good = imageOf([{ tar: lower }, { tar: upper }]);
  await importInto(goodRoot, await layoutTar(good.indexJson, good.blobs));
  // The second layer's bytes do not match the config's diffID: unpack fails after the first layer is applied.
  const bad = imageOf([{ tar: lower }, { tar: await tarBytes([{ name: 'data/c.txt', data: 'c\n' }]), blob: gzipSync(upper) }]);
  await importInto(badRoot, await layoutTar(bad.indexJson, bad.blobs));
});
afterAll(() => rm(base, { recursive: true, force: true }));

describe.concurrent('ferry unpack IMAGE DIR', () => {
  it('prevents whiteouts from deleting the user\'s files: a non-empty DIR is refused (ERR_CONFLICT) and untouched', async () => {
    const dir = await userDirectory('refused');
    const before = await snapshotTree(dirname(dir));
    const result = await runFerry(['--root', goodRoot, 'unpack', IMAGE, dir]);
    expect(result.stderr).toMatch(/^ferry: [^\n]*refused is not empty; [^\n]*--force[^\n]* \(ERR_CONFLICT\)\n$/);
    expect(result.code).toBe(1);
    expect(await snapshotTree(dirname(dir))).toEqual(before);
  });

  it('prevents mixed trees: --force replaces DIR with exactly the image\'s files', async () => {
    const dir = await userDirectory('forced');
    const result = await runFerry(['--root', goodRoot, 'unpack', '--force', IMAGE, dir]);
    expect(result.code, result.stderr).toBe(0);
    expect((await snapshotTree(dir)).map((l) => l.split(' ')[0])).toEqual(['data/', 'data/a.txt', 'data/b.txt']);
    expect(await readFile(join(dir, 'data', 'b.txt'), 'utf8')).toBe('b\n');
    expect(await readdir(dirname(dir))).toEqual(['forced']);
  });

  it('prevents a failed unpack from leaving unverified content: DIR (forced or new) stays as it was', async () => {
    const dir = await userDirectory('failed');
    const before = await snapshotTree(dirname(dir));
    const forced = await runFerry(['--root', badRoot, 'unpack', '--force', IMAGE, dir]);
    expect(forced.stderr).toMatch(/^ferry: [^\n]* \(ERR_DIGEST_MISMATCH\)\n$/);
    expect(await snapshotTree(dirname(dir))).toEqual(before);
    const fresh = await runFerry(['--root', badRoot, 'unpack', IMAGE, join(dirname(dir), 'never-created')]);
    expect(fresh.code).toBe(1);
    expect(await snapshotTree(dirname(dir))).toEqual(before);
  });

  it('unpacks into an empty DIR without --force', async () => {
    const dir = join(base, 'empty');
    await mkdir(dir);
    const result = await runFerry(['--root', goodRoot, 'unpack', IMAGE, dir]);
    expect(result.code, result.stderr).toBe(0);
    expect(await readFile(join(dir, 'data', 'a.txt'), 'utf8')).toBe('a\n');
  });
});
