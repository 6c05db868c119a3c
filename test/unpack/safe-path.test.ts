import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isFerryError } from '../../src/errors.js';
import { entryComponents, resolveEntryPath, resolveInRoot } from '../../src/unpack/safe-path.js';

const label = { where: 'sha256:' + 'a'.repeat(64), entry: 'e' };

describe('entryComponents', () => {
  it.each([
    ['usr/bin/sh', ['usr', 'bin', 'sh']],
    ['./usr//bin/./sh', ['usr', 'bin', 'sh']],
    ['/abs/path/', ['abs', 'path']],
    ['a/b/../c', ['a', 'c']],
    ['./', []],
    ['/', []],
    ['a/..', []],
    ['.wh..wh..opq', ['.wh..wh..opq']],
  ])('%s → %j', (name, expected) => {
    expect(entryComponents(name, label)).toEqual(expected);
  });

  it.each(['..', '../x', 'a/../../x', '/../x', 'bad\0name'])('refuses %j with ERR_UNSAFE_PATH naming layer and entry', (name) => {
    let err: unknown;
    try {
      entryComponents(name, { ...label, entry: name });
    } catch (e) {
      err = e;
    }
    expect(isFerryError(err, 'ERR_UNSAFE_PATH')).toBe(true);
    expect(err).toMatchObject({ digest: label.where, path: name });
  });
});

describe('resolveInRoot', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'ferry-safe-path-'));
    await mkdir(join(root, 'usr/lib'), { recursive: true });
    await writeFile(join(root, 'usr/lib/file'), '');
    await symlink('usr/lib', join(root, 'lib'));
    await symlink('/usr/lib', join(root, 'abs'));
    await symlink('../../../../../etc', join(root, 'up'));
    await symlink('lib/../..', join(root, 'dotdot'));
    await symlink('loop2', join(root, 'loop1'));
    await symlink('loop1', join(root, 'loop2'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it.each([
    [['lib', 'x'], 'usr/lib/x'],
    [['abs', 'x'], 'usr/lib/x'],
    [['up', 'passwd'], 'etc/passwd'],
    [['dotdot', 'x'], 'x'],
    [['usr', 'lib', 'file', 'x'], 'usr/lib/file/x'],
    [['missing', 'a', 'b'], 'missing/a/b'],
  ])('%j resolves to <root>/%s', async (components, expected) => {
    expect(await resolveInRoot(root, components, label)).toBe(join(root, expected));
  });

  it('does not follow the final component of an entry', async () => {
    expect(await resolveEntryPath(root, ['lib'], label)).toBe(join(root, 'lib'));
    expect(await resolveEntryPath(root, ['lib', 'file'], label)).toBe(join(root, 'usr/lib/file'));
    expect(await resolveEntryPath(root, [], label)).toBeUndefined();
  });

  it('gives up on a symlink loop with ERR_UNSAFE_PATH', async () => {
    await expect(resolveInRoot(root, ['loop1', 'x'], label)).rejects.toMatchObject({ code: 'ERR_UNSAFE_PATH' });
  });
});
