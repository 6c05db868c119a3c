import { lstat, readFile, readlink, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isFerryError } from '../../src/errors.js';
import { applyLayer } from '../../src/unpack/apply-layer.js';
import { type TarEntry, tarBytes } from '../helpers/tar.js';
import { applyEntries, makeSandbox, type Sandbox, tree } from './sandbox.js';

const isRoot = process.getuid?.() === 0;

describe('applyLayer', () => {
  let box: Sandbox;
  beforeEach(async () => {
    box = await makeSandbox();
  });
  afterEach(() => box.cleanup());

  it('writes files, directories, symlinks and hardlinks with their modes and mtimes', async () => {
    const mtime = new Date('2020-01-02T03:04:05Z');
    const { stats } = await applyEntries(box.rootfs, [
      { name: './', type: 'directory' },
      { name: 'usr/', type: 'directory', mode: 0o750, mtime },
      { name: 'usr/bin/', type: 'directory', mtime },
      { name: 'usr/bin/tool', data: 'binary', mode: 0o755, mtime },
      { name: 'usr/bin/alias', type: 'symlink', linkname: 'tool', mtime },
      { name: 'usr/bin/twin', type: 'link', linkname: 'usr/bin/tool' },
      { name: 'implicit/parent/file.txt', data: 'x' },
    ]);
    expect(await tree(box.rootfs)).toEqual([
      'implicit/',
      'implicit/parent/',
      'implicit/parent/file.txt',
      'usr/',
      'usr/bin/',
      'usr/bin/alias -> tool',
      'usr/bin/tool',
      'usr/bin/twin',
    ]);
    const tool = await stat(join(box.rootfs, 'usr/bin/tool'));
    expect(tool.mode & 0o7777).toBe(0o755);
    expect(tool.mtime).toEqual(mtime);
    expect((await stat(join(box.rootfs, 'usr/bin/twin'))).ino).toBe(tool.ino);
    expect(tool.nlink).toBe(2);
    // Directory times survive the children written into them later in the layer.
    const usr = await stat(join(box.rootfs, 'usr'));
    expect(usr.mode & 0o7777).toBe(0o750);
    expect(usr.mtime).toEqual(mtime);
    expect((await stat(join(box.rootfs, 'usr/bin'))).mtime).toEqual(mtime);
    expect((await lstat(join(box.rootfs, 'usr/bin/alias'))).mtime).toEqual(mtime);
    expect(stats).toMatchObject({ entries: 7, files: 2, directories: 2, symlinks: 1, hardlinks: 1, skipped: 1, bytes: 7 });
  });

  it.each<[string, TarEntry[], TarEntry, string[]]>([
    ['a file replaces a directory tree', [{ name: 'x/' , type: 'directory' }, { name: 'x/y', data: 'lower' }], { name: 'x', data: 'upper' }, ['x']],
    ['a directory replaces a file', [{ name: 'x', data: 'lower' }], { name: 'x/', type: 'directory' }, ['x/']],
    ['a symlink replaces a file', [{ name: 'x', data: 'lower' }], { name: 'x', type: 'symlink', linkname: 'elsewhere' }, ['x -> elsewhere']],
    ['a directory replaces a symlink to a directory', [{ name: 'd/', type: 'directory' }, { name: 'd/kept', data: 'k' }, { name: 'x', type: 'symlink', linkname: 'd' }], { name: 'x/', type: 'directory' }, ['d/', 'd/kept', 'x/']],
    ['a directory merges with a lower directory', [{ name: 'x/', type: 'directory' }, { name: 'x/lower', data: 'l' }], { name: 'x/', type: 'directory', mode: 0o700 }, ['x/', 'x/lower']],
  ])('%s', async (_name, lower, upper, expected) => {
    await applyEntries(box.rootfs, lower);
    await applyEntries(box.rootfs, [upper]);
    expect(await tree(box.rootfs)).toEqual(expected);
  });

  it('replaces a file shared by a hardlink without changing the other name', async () => {
    await applyEntries(box.rootfs, [
      { name: 'a', data: 'lower' },
      { name: 'b', type: 'link', linkname: 'a' },
    ]);
    await applyEntries(box.rootfs, [{ name: 'b', data: 'upper' }]);
    expect(await readFile(join(box.rootfs, 'a'), 'utf8')).toBe('lower');
    expect(await readFile(join(box.rootfs, 'b'), 'utf8')).toBe('upper');
  });

  it('applies whiteouts to files and whole directories of lower layers, and drops AUFS metadata', async () => {
    await applyEntries(box.rootfs, [
      { name: 'data/old.txt', data: 'old' },
      { name: 'data/keep.txt', data: 'keep' },
      { name: 'gone/deep/file', data: 'x' },
    ]);
    const { stats } = await applyEntries(box.rootfs, [
      { name: 'data/.wh.old.txt' },
      { name: '.wh.gone' },
      { name: '.wh.never-existed' },
      { name: '.wh..wh.plnk/', type: 'directory' },
    ]);
    expect(await tree(box.rootfs)).toEqual(['data/', 'data/keep.txt']);
    expect(stats.whiteouts).toBe(3);
  });

  const opaqueLayer: TarEntry[] = [
    { name: 'dir/', type: 'directory' },
    { name: 'dir/.wh..wh..opq' },
    { name: 'dir/new.txt', data: 'new' },
    { name: 'dir/sub/new.txt', data: 'new' },
  ];
  it.each([
    ['marker first', opaqueLayer],
    ['marker last', [...opaqueLayer.filter((e) => !e.name.endsWith('.opq')), { name: 'dir/.wh..wh..opq' }]],
  ])('an opaque directory hides lower children but keeps its own layer (%s)', async (_order, layer) => {
    await applyEntries(box.rootfs, [
      { name: 'dir/old.txt', data: 'old' },
      { name: 'dir/sub/old.txt', data: 'old' },
      { name: 'dir/sub/new.txt', data: 'lower version' },
      { name: 'other/untouched.txt', data: 'u' },
    ]);
    await applyEntries(box.rootfs, layer);
    expect(await tree(box.rootfs)).toEqual(['dir/', 'dir/new.txt', 'dir/sub/', 'dir/sub/new.txt', 'other/', 'other/untouched.txt']);
    expect(await readFile(join(box.rootfs, 'dir/sub/new.txt'), 'utf8')).toBe('new');
  });

  it('as non-root: drops setuid/setgid bits and reports ownership it could not apply, once each', async () => {
    const { warnings } = await applyEntries(
      box.rootfs,
      [
        { name: 'bin/su', data: 'x', mode: 0o4755 },
        { name: 'bin/wall', data: 'x', mode: 0o2755, gid: 5 },
        { name: 'home/user/', type: 'directory', uid: 1000, gid: 1000 },
        { name: 'tmp/', type: 'directory', mode: 0o1777 },
      ],
      { isRoot: false },
    );
    expect((await stat(join(box.rootfs, 'bin/su'))).mode & 0o7777).toBe(0o755);
    expect((await stat(join(box.rootfs, 'bin/wall'))).mode & 0o7777).toBe(0o755);
    expect((await stat(join(box.rootfs, 'tmp'))).mode & 0o7777).toBe(0o1777);
    expect(warnings).toEqual([
      'layer test-layer: ownership of 2 entries not applied (not running as root), first: "bin/wall"',
      'layer test-layer: setuid/setgid bits of 2 entries dropped (not running as root), first: "bin/su"',
    ]);
  });

  it.skipIf(!isRoot)('as root: applies ownership and keeps setuid/setgid bits', async () => {
    const { warnings } = await applyEntries(
      box.rootfs,
      [
        { name: 'bin/su', data: 'x', mode: 0o4755, uid: 0, gid: 0 },
        { name: 'home/user/', type: 'directory', uid: 1000, gid: 1001 },
        { name: 'home/user/link', type: 'symlink', linkname: '/nowhere', uid: 1000, gid: 1001 },
      ],
      { isRoot: true },
    );
    expect((await stat(join(box.rootfs, 'bin/su'))).mode & 0o7777).toBe(0o4755);
    expect(await stat(join(box.rootfs, 'home/user'))).toMatchObject({ uid: 1000, gid: 1001 });
    expect(await lstat(join(box.rootfs, 'home/user/link'))).toMatchObject({ uid: 1000, gid: 1001 });
    expect(warnings).toEqual([]);
  });

  it('reports extended attributes it cannot set, with a count', async () => {
    const { warnings } = await applyEntries(box.rootfs, [
      { name: 'bin/ping', data: 'x', pax: { 'SCHILY.xattr.security.capability': 'caps', 'SCHILY.xattr.user.a': 'b' } },
    ]);
    expect(warnings).toEqual(['layer test-layer: 2 extended attributes not applied (Node has no xattr API), first: "bin/ping"']);
  });

  it('keeps a symlink target text as written, even one pointing outside', async () => {
    await applyEntries(box.rootfs, [{ name: 'etc/mtab', type: 'symlink', linkname: '/proc/self/mounts' }]);
    expect(await readlink(join(box.rootfs, 'etc/mtab'))).toBe('/proc/self/mounts');
  });

  it('fails a hardlink to a missing file with a clear error', async () => {
    const err = await applyEntries(box.rootfs, [{ name: 'hl', type: 'link', linkname: 'missing' }]).catch((e: unknown) => e);
    expect(isFerryError(err, 'ERR_INVALID_DOCUMENT'), String(err)).toBe(true);
    expect((err as Error).message).toBe('layer test-layer: hardlink "hl" points to a missing file "missing"');
  });

  it.each([
    ['a truncated tar', (tar: Buffer) => tar.subarray(0, 700), 'ERR_TRUNCATED'],
    ['a corrupt header', (tar: Buffer) => Buffer.concat([Buffer.alloc(148, 'x'), tar.subarray(148)]), 'ERR_INVALID_DOCUMENT'],
  ] as const)('fails %s with a FerryError naming the layer', async (_name, damage, code) => {
    const tar = await tarBytes([{ name: 'file', data: 'x'.repeat(1000) }]);
    const err = await applyLayer(box.rootfs, Readable.from([damage(tar)]), { where: 'sha256:damaged' }).catch((e: unknown) => e);
    expect(isFerryError(err, code), String(err)).toBe(true);
    expect((err as Error).message).toContain('sha256:damaged');
  });

  it('fails with the source stream error when the input fails', async () => {
    const boom = new Error('network went away');
    const source = new Readable({ read() {} });
    source.push(await tarBytes([{ name: 'a', data: 'a' }]).then((b) => b.subarray(0, 512)));
    setImmediate(() => source.destroy(boom));
    await expect(applyLayer(box.rootfs, source, { where: 'l' })).rejects.toBe(boom);
  });
});
