/**
 * ferry with the zstd program as its decoder (FERRY_ZSTD_BACKEND=cli; Debian package `zstd`): a realistic image
 * with zstd layers written by the zstd CLI imports and unpacks to the same tree as with fzstd; a truncated
 * archive fails with one ERR_TRUNCATED line and no image; with the program missing from PATH, forcing it fails with
 * one line that names the zstd package, and nothing from zstd itself reaches stderr.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ociLayoutTar } from '../helpers/archive-fixtures.js';
import { runFerry } from '../helpers/cli.js';
import { buildRealisticImage } from '../helpers/realistic-image.js';
import { tempDir } from '../helpers/temp-dir.js';
import { treeLines } from '../helpers/tree-digest.js';

const NAME = 'docker.io/library/zstd-program:1';

describe('ferry with the zstd program decoding layers', { timeout: 120_000 }, () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let archive: string;
  let bytes: Buffer;
  beforeAll(async () => {
    tmp = await tempDir('ferry-zstd-program-');
    const image = await buildRealisticImage({ compression: 'zstd', bigFileBytes: 8 * 1024 * 1024, smallFiles: 1500 });
    bytes = await ociLayoutTar({ images: [{ image, refName: NAME }] });
    archive = join(tmp.dir, 'zstd.tar');
    await writeFile(archive, bytes);
  });
  afterAll(() => tmp.cleanup());

  it('imports and unpacks to the same tree as fzstd', async () => {
    const trees: string[][] = [];
    for (const backend of ['cli', 'js']) {
      const root = join(tmp.dir, `root-${backend}`);
      const out = join(tmp.dir, `out-${backend}`);
      const env = { FERRY_ZSTD_BACKEND: backend };
      const imported = await runFerry(['--root', root, 'import', '--no-unpack', '-q', archive], { env });
      expect(imported.stderr).toBe('');
      expect(imported.code).toBe(0);
      const unpacked = await runFerry(['--root', root, 'unpack', '-q', NAME, out], { env });
      expect(unpacked.stderr).toBe('');
      expect(unpacked.code).toBe(0);
      trees.push(await treeLines(out));
    }
    expect(trees[0]!.length).toBeGreaterThan(1500);
    expect(trees[0]).toEqual(trees[1]);
  });

  it('a truncated archive on stdin: one ERR_TRUNCATED line, exit 1, no image', async () => {
    const root = join(tmp.dir, 'root-cut');
    const cut = bytes.subarray(0, Math.floor(bytes.length * 0.6));
    const result = await runFerry(['--root', root, 'import', '-q', '-'], { env: { FERRY_ZSTD_BACKEND: 'cli' }, stdin: cut });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^ferry: .*\(ERR_TRUNCATED\)\n$/);
    const images = await runFerry(['--root', root, 'images', 'ls', '-q']);
    expect(images.stdout.trim()).toBe('');
  });

  it('forced with zstd missing from PATH: one ERR_UNSUPPORTED line naming the zstd package', async () => {
    const emptyBin = await mkdtemp(join(tmp.dir, 'bin-'));
    const result = await runFerry(['--root', join(tmp.dir, 'root-missing'), 'verify', archive], { env: { FERRY_ZSTD_BACKEND: 'cli', PATH: emptyBin } });
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('install the zstd package');
    expect(result.stderr).toMatch(/\(ERR_UNSUPPORTED\)\n$/);
  });
});
