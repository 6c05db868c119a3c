import { lstat, readFile, readlink, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isFerryError } from '../../src/errors.js';
import { applyEntries, makeSandbox, type Sandbox, SENTINEL_CONTENT, tree } from './sandbox.js';

/**
 * Hostile layers, one test per attack, named after what it prevents (node-tar's ghsa-* tests, containerd's
 * tar_test.go breakout cases). Each asserts that nothing outside the rootfs changed.
 */
describe('hostile layers', () => {
  let box: Sandbox;
  let before: string[];

  beforeEach(async () => {
    box = await makeSandbox();
    before = await box.outsideState();
  });
  afterEach(async () => {
    expect(await box.outsideState()).toEqual(before);
    expect(await readFile(box.sentinel, 'utf8')).toBe(SENTINEL_CONTENT);
    await box.cleanup();
  });

  const rejectsUnsafe = async (promise: Promise<unknown>, entry: string) => {
    const err = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isFerryError(err, 'ERR_UNSAFE_PATH'), String(err)).toBe(true);
    expect((err as Error).message).toContain('test-layer');
    expect((err as Error).message).toContain(JSON.stringify(entry));
  };

  it.each(['../../../outside/pwned', 'ok/../../escape', '../sentinel.txt'])('prevents a ../ escape: %s is refused', async (name) => {
    await rejectsUnsafe(applyEntries(box.rootfs, [{ name, data: 'pwned' }]), name);
  });

  it('prevents an absolute path from escaping: it lands inside the rootfs', async () => {
    const name = join(box.outside, 'pwned');
    await applyEntries(box.rootfs, [{ name, data: 'pwned' }]);
    expect(await readFile(join(box.rootfs, box.outside, 'pwned'), 'utf8')).toBe('pwned');
  });

  it('prevents writing through a symlink to outside created earlier in the same layer', async () => {
    await applyEntries(box.rootfs, [
      { name: 'rel', type: 'symlink', linkname: '../../../outside' },
      { name: 'abs', type: 'symlink', linkname: box.outside },
      { name: 'rel/pwned', data: 'pwned' },
      { name: 'abs/sentinel.txt', data: 'pwned' },
    ]);
    // Both links resolve as if the rootfs were `/`: `..` stops at the root, absolute targets start there.
    expect(await readFile(join(box.rootfs, 'outside/pwned'), 'utf8')).toBe('pwned');
    expect(await readFile(join(box.rootfs, box.outside, 'sentinel.txt'), 'utf8')).toBe('pwned');
    expect(await readlink(join(box.rootfs, 'rel'))).toBe('../../../outside');
  });

  it('prevents writing through a symlink to outside left by a lower layer', async () => {
    await applyEntries(box.rootfs, [{ name: 'etc', type: 'symlink', linkname: box.outside }]);
    await applyEntries(box.rootfs, [
      { name: 'etc/sentinel.txt', data: 'pwned' },
      { name: 'etc/sub/', type: 'directory' },
    ]);
    expect(await readFile(join(box.rootfs, box.outside, 'sentinel.txt'), 'utf8')).toBe('pwned');
    expect((await lstat(join(box.rootfs, box.outside, 'sub'))).isDirectory()).toBe(true);
  });

  it('prevents chained symlinks (a -> b -> ../../outside) from leading out', async () => {
    await applyEntries(box.rootfs, [
      { name: 'a', type: 'symlink', linkname: 'b' },
      { name: 'b', type: 'symlink', linkname: 'c/../../../../outside' },
      { name: 'c/', type: 'directory' },
      { name: 'a/pwned', data: 'pwned' },
    ]);
    expect(await readFile(join(box.rootfs, 'outside/pwned'), 'utf8')).toBe('pwned');
  });

  it('prevents a symlink loop from hanging the unpack', async () => {
    await rejectsUnsafe(
      applyEntries(box.rootfs, [
        { name: 'x', type: 'symlink', linkname: 'y' },
        { name: 'y', type: 'symlink', linkname: 'x' },
        { name: 'x/pwned', data: 'pwned' },
      ]),
      'x/pwned',
    );
  });

  it('prevents a hardlink to a file outside the rootfs', async () => {
    await rejectsUnsafe(applyEntries(box.rootfs, [{ name: 'hl', type: 'link', linkname: '../../../outside/sentinel.txt' }]), 'hl -> ../../../outside/sentinel.txt');
    expect((await stat(box.sentinel)).nlink).toBe(1);
  });

  it('prevents a hardlink through a symlink to outside from reaching the outside file', async () => {
    const err = await applyEntries(box.rootfs, [
      { name: 'esc', type: 'symlink', linkname: box.outside },
      { name: 'hl', type: 'link', linkname: 'esc/sentinel.txt' },
    ]).catch((e: unknown) => e);
    // The link target resolves to <rootfs>/<outside>/sentinel.txt, which does not exist.
    expect(isFerryError(err, 'ERR_INVALID_DOCUMENT'), String(err)).toBe(true);
    expect((await stat(box.sentinel)).nlink).toBe(1);
  });

  it('prevents link-then-write: a file entry replaces a hardlinked symlink instead of writing through it', async () => {
    await applyEntries(box.rootfs, [
      { name: 'lnk', type: 'symlink', linkname: box.sentinel },
      { name: 'hl', type: 'link', linkname: 'lnk' },
    ]);
    expect(await readlink(join(box.rootfs, 'hl'))).toBe(box.sentinel);
    await applyEntries(box.rootfs, [
      { name: 'hl', data: 'pwned' },
      { name: 'lnk', data: 'pwned' },
    ]);
    expect(await readFile(join(box.rootfs, 'hl'), 'utf8')).toBe('pwned');
    expect((await lstat(join(box.rootfs, 'lnk'))).isFile()).toBe(true);
  });

  it.each(['../.wh.sentinel.txt', '../../../outside/.wh.sentinel.txt'])('prevents a whiteout from deleting outside: %s is refused', async (name) => {
    await rejectsUnsafe(applyEntries(box.rootfs, [{ name }]), name);
  });

  it('prevents a whiteout of ".." (.wh..) from deleting the parent directory', async () => {
    await applyEntries(box.rootfs, [{ name: 'keep', data: 'k' }]);
    await rejectsUnsafe(applyEntries(box.rootfs, [{ name: '.wh..' }]), '.wh..');
    expect(await tree(box.rootfs)).toEqual(['keep']);
  });

  it('prevents a whiteout or opaque marker behind a symlink from deleting outside', async () => {
    await applyEntries(box.rootfs, [{ name: 'esc', type: 'symlink', linkname: box.outside }]);
    await applyEntries(box.rootfs, [{ name: 'esc/.wh.sentinel.txt' }, { name: 'esc/.wh..wh..opq' }]);
    expect((await lstat(join(box.rootfs, box.outside))).isDirectory()).toBe(true);
  });

  it('prevents a file replacing a symlink-to-outside directory from writing outside', async () => {
    await applyEntries(box.rootfs, [
      { name: 'd', type: 'symlink', linkname: box.outside },
      { name: 'e', type: 'symlink', linkname: '../../../outside' },
    ]);
    await applyEntries(box.rootfs, [
      { name: 'd', data: 'now a file' },
      { name: 'e/', type: 'directory', mode: 0o700 },
      { name: 'e/sentinel.txt', data: 'inside' },
    ]);
    expect(await readFile(join(box.rootfs, 'd'), 'utf8')).toBe('now a file');
    const e = await lstat(join(box.rootfs, 'e'));
    expect(e.isDirectory()).toBe(true);
    expect(e.mode & 0o777).toBe(0o700);
    expect(await readFile(join(box.rootfs, 'e/sentinel.txt'), 'utf8')).toBe('inside');
  });

  it('prevents a directory replaced by a symlink in the same layer from having its mode applied outside', async () => {
    await applyEntries(box.rootfs, [
      { name: 'd/', type: 'directory', mode: 0o777, mtime: new Date(1000) },
      { name: 'd', type: 'symlink', linkname: box.outside },
      { name: 'p/', type: 'directory', mode: 0o777, mtime: new Date(1000) },
      { name: 'p/q/', type: 'directory', mode: 0o777, mtime: new Date(1000) },
      { name: 'p', type: 'symlink', linkname: '../../..' },
    ]);
    expect(await readlink(join(box.rootfs, 'd'))).toBe(box.outside);
  });

  it('prevents device nodes and fifos from being created: skipped with one warning', async () => {
    const { stats, warnings } = await applyEntries(
      box.rootfs,
      [
        { name: 'dev/', type: 'directory' },
        { name: 'dev/null', type: 'character-device' },
        { name: 'dev/sda', type: 'block-device' },
        { name: 'dev/initctl', type: 'fifo' },
      ],
      { isRoot: false },
    );
    expect(await tree(box.rootfs)).toEqual(['dev/']);
    expect(stats.skipped).toBe(3);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/3 device nodes or fifos skipped.*"dev\/null"/);
  });
});
