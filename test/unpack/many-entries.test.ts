import { lstat, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TarEntry } from '../helpers/tar.js';
import { applyEntries, makeSandbox, type Sandbox, tree } from './sandbox.js';

/**
 * Two layers of a few thousand entries that keep changing what the unpack has already resolved: directories
 * replaced by symlinks and symlinks by directories, whiteouts, opaque markers, replaced files and hardlinks. Every
 * path is checked against what the layers say, so a directory the unpack remembered too long would show.
 */
describe('applyLayer on thousands of entries that change resolved paths', () => {
  let box: Sandbox;
  beforeEach(async () => {
    box = await makeSandbox();
  });
  afterEach(() => box.cleanup());

  const DIRS = 60;
  const FILES = 40;
  const content = (layer: number, d: number, f: number) => `layer ${layer} d${d} f${f}\n`.repeat(1 + ((d * FILES + f) % 7));

  it('unpacks 2,400 files, then whiteouts, opaque dirs and directory/symlink swaps, to the expected tree', async () => {
    const lower: TarEntry[] = [{ name: 'usr/', type: 'directory' }];
    for (let d = 0; d < DIRS; d++) {
      lower.push({ name: `usr/d${d}/`, type: 'directory', mode: 0o755 });
      for (let f = 0; f < FILES; f++) lower.push({ name: `usr/d${d}/f${f}`, data: content(1, d, f) });
      lower.push({ name: `usr/link${d}`, type: 'symlink', linkname: `d${(d + 1) % DIRS}` });
      lower.push({ name: `usr/d${d}/twin`, type: 'link', linkname: `usr/d${d}/f0` });
    }
    const { stats: lowerStats } = await applyEntries(box.rootfs, lower);
    expect(lowerStats).toMatchObject({ files: DIRS * FILES, directories: DIRS + 1, symlinks: DIRS, hardlinks: DIRS });

    const upper: TarEntry[] = [];
    // d0–d9: every other file whited out. d10–d12: opaque, one new file each. d13–d17: replaced by a symlink to
    // d40+, then written through (the file lands in the target). link20–link24: replaced by real directories.
    for (let d = 0; d < 10; d++) for (let f = 0; f < FILES; f += 2) upper.push({ name: `usr/d${d}/.wh.f${f}` });
    for (let d = 10; d < 13; d++) upper.push({ name: `usr/d${d}/.wh..wh..opq` }, { name: `usr/d${d}/new`, data: `opaque ${d}\n` });
    for (let d = 13; d < 18; d++) {
      upper.push({ name: `usr/d${d}`, type: 'symlink', linkname: `d${d + 27}` }, { name: `usr/d${d}/through`, data: `through ${d}\n` });
    }
    for (let d = 20; d < 25; d++) upper.push({ name: `usr/link${d}/`, type: 'directory', mode: 0o750 }, { name: `usr/link${d}/own`, data: `own ${d}\n` });
    // Written through lower-layer symlinks that stay: link30 -> d31.
    upper.push({ name: 'usr/link30/via-link', data: 'via link30\n' });
    for (let d = 50; d < DIRS; d++) upper.push({ name: `usr/d${d}/f1`, data: content(2, d, 1) });
    await applyEntries(box.rootfs, upper);

    const read = (p: string) => readFile(join(box.rootfs, 'usr', p), 'utf8');
    for (let d = 0; d < 10; d++) {
      for (let f = 0; f < FILES; f++) {
        if (f % 2 === 0) await expect(lstat(join(box.rootfs, `usr/d${d}/f${f}`))).rejects.toThrow();
        else expect(await read(`d${d}/f${f}`)).toBe(content(1, d, f));
      }
    }
    for (let d = 10; d < 13; d++) expect(await tree(join(box.rootfs, `usr/d${d}`))).toEqual(['new']);
    for (let d = 13; d < 18; d++) {
      expect(await readlink(join(box.rootfs, `usr/d${d}`))).toBe(`d${d + 27}`);
      expect(await read(`d${d + 27}/through`)).toBe(`through ${d}\n`);
      expect(await read(`d${d + 27}/f3`)).toBe(content(1, d + 27, 3));
    }
    for (let d = 20; d < 25; d++) {
      expect(await tree(join(box.rootfs, `usr/link${d}`))).toEqual(['own']);
      expect((await lstat(join(box.rootfs, `usr/link${d}`))).mode & 0o777).toBe(0o750);
      // The directory the link used to point to is untouched.
      expect(await read(`d${(d + 1) % DIRS}/f5`)).toBe(content(1, (d + 1) % DIRS, 5));
    }
    expect(await read('d31/via-link')).toBe('via link30\n');
    for (let d = 50; d < DIRS; d++) expect(await read(`d${d}/f1`)).toBe(content(2, d, 1));
    for (let d = 30; d < 40; d++) {
      expect((await lstat(join(box.rootfs, `usr/d${d}/twin`))).ino).toBe((await lstat(join(box.rootfs, `usr/d${d}/f0`))).ino);
      expect(await read(`d${d}/f${FILES - 1}`)).toBe(content(1, d, FILES - 1));
    }
  });
});
