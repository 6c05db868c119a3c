import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FerryError } from '../../src/errors.js';
import { applyLayer } from '../../src/unpack/apply-layer.js';
import { type TarEntry, tarBytes } from '../helpers/tar.js';
import { makeSandbox, type Sandbox, tree } from './sandbox.js';

/**
 * applyLayer hands entries to a worker thread in batches, several in flight. These tests pin what that must not
 * change: a failure on either side is the same error as before, everything before the failing entry is applied and
 * nothing after, and the promise settles only once the worker has stopped writing.
 */
const FILES = 3000;
const CONTENT = (i: number) => `file ${i} `.repeat(200 + (i % 50));

function files(count: number, dir = 'data'): TarEntry[] {
  return Array.from({ length: count }, (_, i) => ({ name: `${dir}/${String(i).padStart(5, '0')}.txt`, data: CONTENT(i) }));
}

async function settledTree(rootfs: string): Promise<string[]> {
  const before = await tree(rootfs);
  // Anything still writing after the promise settled would change the tree within this pause.
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(await tree(rootfs)).toEqual(before);
  return before;
}

describe('applyLayer through the layer worker', () => {
  let box: Sandbox;
  beforeEach(async () => {
    box = await makeSandbox();
  });
  afterEach(() => box.cleanup());

  it('applies thousands of files across many batches with their content', async () => {
    const stats = await applyLayer(box.rootfs, Readable.from([await tarBytes(files(FILES))]), { where: 'l' });
    expect(stats.files).toBe(FILES);
    const names = (await readdir(join(box.rootfs, 'data'))).sort();
    expect(names).toHaveLength(FILES);
    for (const i of [0, 1, 777, FILES - 1]) expect(await readFile(join(box.rootfs, 'data', names[i]!), 'utf8')).toBe(CONTENT(i));
  });

  it('an entry the worker refuses after thousands of files → its FerryError, every earlier entry applied, nothing later', async () => {
    const entries = [...files(FILES), { name: '../escape.txt', data: 'x' }, ...files(10, 'after')];
    const err = await applyLayer(box.rootfs, Readable.from([await tarBytes(entries)]), { where: 'l' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FerryError);
    expect((err as FerryError).code).toBe('ERR_UNSAFE_PATH');
    expect((err as FerryError).path).toBe('../escape.txt');
    const settled = await settledTree(box.rootfs);
    expect(settled.filter((p) => p.startsWith('data/') && p.endsWith('.txt'))).toHaveLength(FILES);
    expect(settled.some((p) => p.startsWith('after'))).toBe(false);
    expect((await box.outsideState()).some((p) => p.includes('escape'))).toBe(false);
  });

  it('an input that fails after thousands of files → that same error, once the worker has applied what came before', async () => {
    const bytes = await tarBytes(files(FILES));
    const boom = new Error('disk went away');
    // Cut at a header boundary well inside the layer: entries before it arrive whole.
    const cut = Math.floor(bytes.length / 2 / 512) * 512;
    async function* failing() {
      yield bytes.subarray(0, cut);
      await new Promise((resolve) => setImmediate(resolve));
      throw boom;
    }
    const err = await applyLayer(box.rootfs, Readable.from(failing(), { objectMode: false }), { where: 'l' }).catch((e: unknown) => e);
    expect(err).toBe(boom);
    const written = (await settledTree(box.rootfs)).filter((p) => p.startsWith('data/') && p.endsWith('.txt'));
    expect(written.length).toBeGreaterThan(FILES / 4);
    expect(written.length).toBeLessThan(FILES);
    // Every file but possibly the one the cut went through has all its content.
    for (const name of written.slice(0, -1)) {
      const i = Number(name.slice('data/'.length, -'.txt'.length));
      expect(await readFile(join(box.rootfs, name), 'utf8')).toBe(CONTENT(i));
    }
  });
});
