import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TarEntry } from '../helpers/tar.js';
import { applyEntries, makeSandbox, type Sandbox } from './sandbox.js';

/**
 * Layers whose cost used to grow with the square of their size (an lstat per path component per entry, each a
 * libuv round trip): each took over a minute. Path work per entry is now bounded, so they take a second or two;
 * the limits leave room for a loaded machine.
 */
describe('unpack cost is linear in the layer', () => {
  let box: Sandbox;
  beforeEach(async () => {
    box = await makeSandbox();
  });
  afterEach(() => box.cleanup());

  it('prevents a chain of 40 symlinks with 4 KB targets from costing a walk per file: 200 files in seconds', async () => {
    // l0 -> a/../a/../…/l1 -> … -> l39 -> …/target: 40 links, each target 4,000 bytes of `a/../` steps.
    const detour = 'a/../'.repeat(800);
    const entries: TarEntry[] = [{ name: 'a/', type: 'directory' }, { name: 'target/', type: 'directory' }];
    for (let i = 0; i < 40; i++) entries.push({ name: `l${i}`, type: 'symlink', linkname: `${detour}${i === 39 ? 'target' : `l${i + 1}`}` });
    for (let i = 0; i < 200; i++) entries.push({ name: `l0/f${i}`, data: `file ${i}\n` });
    const started = performance.now();
    const { stats } = await applyEntries(box.rootfs, entries);
    expect(performance.now() - started).toBeLessThan(30_000);
    expect(stats.files).toBe(200);
    expect(await readFile(join(box.rootfs, 'target/f0'), 'utf8')).toBe('file 0\n');
    expect(await readFile(join(box.rootfs, 'target/f199'), 'utf8')).toBe('file 199\n');
  });

  it('prevents 1,000 nested directory entries from costing a walk of every level per entry', async () => {
    const entries: TarEntry[] = [];
    for (let depth = 1; depth <= 1000; depth++) entries.push({ name: `${'d/'.repeat(depth)}`, type: 'directory', mode: 0o750 });
    entries.push({ name: `${'d/'.repeat(1000)}leaf`, data: 'deep\n' });
    const started = performance.now();
    const { stats } = await applyEntries(box.rootfs, entries);
    expect(performance.now() - started).toBeLessThan(30_000);
    expect(stats.directories).toBe(1000);
    const deepest = join(box.rootfs, ...Array<string>(1000).fill('d'));
    expect(await readFile(join(deepest, 'leaf'), 'utf8')).toBe('deep\n');
    expect((await stat(deepest)).mode & 0o777).toBe(0o750);
  });
});
