/**
 * The hostile corpus end to end: every archive goes through `ferry import` (with unpack) as a user would run it.
 * A refused archive must give one line on stderr naming the error code, exit 1, and leave the whole sandbox
 * (store included) byte for byte as it was. A layer attack that is neutralized rather than refused must import
 * with nothing written outside the store. Each case is named after what it prevents. The archive-reader and
 * layer-applier units have their own cases (test/archive/read/hostile.test.ts, test/unpack/hostile-layers.test.ts);
 * these prove the pieces are wired together in the command.
 */
import { chmod, lstat, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { ErrorCode } from '../../src/errors.js';
import { compress } from '../helpers/image-builder.js';
import { runFerry } from '../helpers/cli.js';
import { type TarEntry, tarBytes } from '../helpers/tar.js';
import {
  bombArchive,
  hostileDigestArchive,
  hugeClaimArchive,
  layerArchive,
  layoutTar,
  truncatedLayerArchive,
  validArchive,
} from './hostile-corpus.js';
import { NOBODY, runFerryAs } from './run-as.js';
import { SENTINEL, useImportSandboxes } from './import-sandbox.js';
import { snapshotTree } from './store-snapshot.js';

const { sandbox, expectRefused } = useImportSandboxes();

/**
 * Imports an archive that must succeed; nothing outside the store may change. `build` gets the sandbox's outside
 * directory (for link targets); `check` sees the unpacked rootfs and stderr.
 */
async function expectContained(
  build: (outside: string) => Promise<Buffer>,
  check: (rootfs: string, stderr: string, outside: string) => Promise<void> = async () => undefined,
): Promise<void> {
  const box = await sandbox();
  try {
    const file = join(box.inbox, 'contained.tar');
    await writeFile(file, await build(box.outside));
    const before = await snapshotTree(box.base);
    const result = await runFerry(['--root', box.store, 'import', file, '--json'], { cwd: box.cwd });
    expect(result.code, result.stderr).toBe(0);
    const outsideStore = (lines: string[]) => lines.filter((l) => !l.startsWith('store/'));
    expect(outsideStore(await snapshotTree(box.base))).toEqual(outsideStore(before));
    expect(await readFile(join(box.outside, 'sentinel.txt'), 'utf8')).toBe(SENTINEL);
    const parsed = JSON.parse(result.stdout) as { images: { unpack: { outcome: { snapshot: string } } }[] };
    await check(parsed.images[0]!.unpack.outcome.snapshot, result.stderr, box.outside);
  } finally {
    await box[Symbol.asyncDispose]();
  }
}

const HEX = 'a'.repeat(64);

describe.concurrent('ferry import refuses hostile archives, changing nothing', () => {
  it.each<[string, () => Promise<Buffer>, ErrorCode]>([
    ['prevents archive entries climbing out with ..', () => tarBytes([{ name: '../../outside/pwned', data: 'x' }]), 'ERR_UNSAFE_PATH'],
    ['prevents absolute archive entry names', () => tarBytes([{ name: '/tmp/ferry-pwned', data: 'x' }]), 'ERR_UNSAFE_PATH'],
    ['prevents a layer.tar symlink from reading a host file', () =>
      tarBytes([
        { name: 'abc/layer.tar', type: 'symlink', linkname: '../../outside/sentinel.txt' },
        { name: 'manifest.json', data: JSON.stringify([{ Config: 'c.json', RepoTags: null, Layers: ['abc/layer.tar'] }]) },
      ]), 'ERR_UNSAFE_PATH'],
    ['prevents chained archive symlinks (a -> b -> ../../x) from leading out', () =>
      tarBytes([
        { name: 'a.tar', type: 'symlink', linkname: 'b.tar' },
        { name: 'b.tar', type: 'symlink', linkname: '../../outside/sentinel.txt' },
        { name: 'manifest.json', data: JSON.stringify([{ Config: 'a.tar', RepoTags: null, Layers: [] }]) },
      ]), 'ERR_UNSAFE_PATH'],
    ['prevents archive hard links to files outside', () => tarBytes([{ name: 'abc/layer.tar', type: 'link', linkname: '../outside/sentinel.txt' }]), 'ERR_UNSAFE_PATH'],
    ['prevents manifest.json from naming a host file', () =>
      tarBytes([{ name: 'manifest.json', data: JSON.stringify([{ Config: '../../outside/sentinel.txt', RepoTags: null, Layers: [] }]) }]), 'ERR_UNSAFE_PATH'],
    ['prevents a blob whose content does not match its file name', () => layoutTar('{"schemaVersion":2,"manifests":[]}', [], [{ name: `blobs/sha256/${HEX}`, data: 'x' }]), 'ERR_DIGEST_MISMATCH'],
    ['prevents a digest in index.json from naming a path (sha256:../../x)', () => hostileDigestArchive('index', 'sha256:../../x'), 'ERR_INVALID_DOCUMENT'],
    ['prevents a layer digest in a manifest from naming a path (sha256:../../x)', () => hostileDigestArchive('manifest', 'sha256:../../../outside/sentinel.txt'), 'ERR_INVALID_DOCUMENT'],
    ['prevents duplicate entries from swapping content', () => tarBytes([{ name: 'x.tar', data: 'one' }, { name: './x.tar', data: 'two' }]), 'ERR_CONFLICT'],
    // The blob in the archive has its real size, so the 2 GB descriptor is a lie, told as such; nothing is read.
    ['prevents a 2 GB manifest claim from being read into memory', () => hugeClaimArchive(2e9), 'ERR_SIZE_MISMATCH'],
    ['prevents a tar header claiming a huge index.json from being read into memory', () =>
      tarBytes([{ name: 'oci-layout', data: '{"imageLayoutVersion":"1.0.0"}' }, { name: 'index.json', data: '{}', pax: { size: String(2 ** 40) } }]), 'ERR_TOO_LARGE'],
    ['prevents a truncated tar from importing half an image', async () => {
      const whole = await validArchive();
      return whole.subarray(0, Math.floor(whole.length / 2));
    }, 'ERR_TRUNCATED'],
    ['prevents a truncated gzip archive from importing half an image', async () => {
      const whole = gzipSync(await validArchive());
      return whole.subarray(0, Math.floor(whole.length / 2));
    }, 'ERR_TRUNCATED'],
    ['prevents a truncated zstd archive from importing half an image', async () => {
      const whole = compress(await validArchive(), 'zstd');
      return whole.subarray(0, Math.floor(whole.length / 2));
    }, 'ERR_TRUNCATED'],
    ['prevents a truncated gzip layer from unpacking half a rootfs', () => truncatedLayerArchive('gzip'), 'ERR_TRUNCATED'],
    ['prevents a truncated zstd layer from unpacking half a rootfs', () => truncatedLayerArchive('zstd'), 'ERR_TRUNCATED'],
    ['prevents a layer entry climbing out of the rootfs with ..', () => layerArchive([{ name: '../../../outside/pwned', data: 'pwned' }]), 'ERR_UNSAFE_PATH'],
    ['prevents a zstd decompression bomb from filling the disk (default ratio)', () => bombArchive(80 * 1024 * 1024, 'zstd'), 'ERR_TOO_LARGE'],
  ])('%s', async (_what, build, code) => {
    await expectRefused(await build(), code);
  });

  it('prevents a gzip decompression bomb beyond FERRY_MAX_DECOMPRESSION_RATIO from filling the disk', async () => {
    const stderr = await expectRefused(await bombArchive(70 * 1024 * 1024, 'gzip'), 'ERR_TOO_LARGE', { FERRY_MAX_DECOMPRESSION_RATIO: '100' });
    expect(stderr).toContain('FERRY_MAX_DECOMPRESSION_RATIO');
  });

  it('refuses a malformed FERRY_MAX_DECOMPRESSION_RATIO as a usage error', async () => {
    const box = await sandbox();
    try {
      const file = join(box.inbox, 'ok.tar');
      // A layer the store has no snapshot of yet, so the unpack (which reads the setting) runs.
      await writeFile(file, await validArchive('usage'));
      const result = await runFerry(['--root', box.store, 'import', file], { cwd: box.cwd, env: { FERRY_MAX_DECOMPRESSION_RATIO: 'lots' } });
      expect(result.stderr).toMatch(/^ferry: FERRY_MAX_DECOMPRESSION_RATIO="lots" is not a positive number.*\(ERR_USAGE\)\n$/);
      expect(result.code).toBe(2);
    } finally {
      await box[Symbol.asyncDispose]();
    }
  });
});

describe.concurrent('ferry import neutralizes hostile layers, writing nothing outside the store', () => {
  const outsideRel = '../../../../outside';

  it('prevents an absolute layer path from escaping: it lands inside the rootfs', async () => {
    await expectContained(
      async (outside) => layerArchive([{ name: join(outside, 'pwned'), data: 'pwned' }]),
      async (rootfs, _stderr, outside) => expect(await readFile(join(rootfs, outside, 'pwned'), 'utf8')).toBe('pwned'),
    );
  });

  it.each<[string, TarEntry[]]>([
    ['prevents writing through an absolute symlink to outside', [{ name: 'evil', type: 'symlink', linkname: '' }, { name: 'evil/pwned', data: 'pwned' }]],
    ['prevents writing through a relative symlink to outside', [{ name: 'evil', type: 'symlink', linkname: outsideRel }, { name: 'evil/pwned', data: 'pwned' }]],
    ['prevents chained symlinks (a -> b -> ../../outside) from leading out', [
      { name: 'a', type: 'symlink', linkname: 'b' },
      { name: 'b', type: 'symlink', linkname: outsideRel },
      { name: 'a/pwned', data: 'pwned' },
    ]],
    ['prevents link-then-file: a file entry replaces a symlink to a host file instead of writing through it', [
      { name: 'l', type: 'symlink', linkname: '' },
      { name: 'l', data: 'pwned' },
    ]],
    ['prevents a hardlink to a symlink to a host file from writing the host file', [
      { name: 'l', type: 'symlink', linkname: '' },
      { name: 'h', type: 'link', linkname: 'l' },
      { name: 'h', data: 'pwned' },
    ]],
    ['prevents a whiteout behind a symlink from deleting a host file', [
      { name: 'd', type: 'symlink', linkname: '' },
      { name: 'd/.wh.sentinel.txt' },
    ]],
    ['prevents an opaque whiteout behind a symlink from emptying a host directory', [
      { name: 'd', type: 'symlink', linkname: '' },
      { name: 'd/.wh..wh..opq' },
    ]],
  ])('%s', async (_what, entries) => {
    // Empty link targets stand for the sandbox's outside directory or sentinel, known only at run time.
    await expectContained(async (outside) =>
      layerArchive(entries.map((e) => (e.linkname === '' ? { ...e, linkname: e.name === 'l' ? join(outside, 'sentinel.txt') : outside } : e))),
    );
  });

  it('prevents a hardlink to a host file: refused, nothing linked', async () => {
    await expectRefused(await layerArchive([{ name: 'h', type: 'link', linkname: `${outsideRel}/sentinel.txt` }]), 'ERR_UNSAFE_PATH');
  });

  it('prevents device nodes and fifos from being created, with a warning', async () => {
    const devices: TarEntry[] = [
      { name: 'dev/', type: 'directory' },
      { name: 'dev/sda', type: 'block-device' },
      { name: 'dev/null', type: 'character-device' },
      { name: 'dev/initctl', type: 'fifo' },
    ];
    await expectContained(
      async () => layerArchive(devices),
      async (rootfs, stderr) => {
        expect(stderr).toMatch(/^warning: [^\n]*3 device nodes or fifos skipped/m);
        for (const name of ['sda', 'null', 'initctl']) await expect(lstat(join(rootfs, 'dev', name))).rejects.toThrow(/ENOENT/);
      },
    );
  });

  it.runIf(process.getuid?.() === 0)('prevents setuid/setgid bits as non-root: dropped, with a warning', async () => {
    // Run ferry as nobody, with a world-writable sandbox of its own.
    const nobodyBase = await mkdtemp(join(tmpdir(), 'ferry-nobody-'));
    try {
      await chmod(nobodyBase, 0o777);
      const file = join(nobodyBase, 'setuid.tar');
      await writeFile(file, await layerArchive([{ name: 'bin/', type: 'directory' }, { name: 'bin/su', data: '#!/bin/true\n', mode: 0o6755 }]));
      await chmod(file, 0o644);
      const result = await runFerryAs(NOBODY, ['--root', join(nobodyBase, 'store'), 'import', file, '--json'], nobodyBase);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toMatch(/^warning: [^\n]*setuid\/setgid bits of 1 entry dropped/m);
      const rootfs = (JSON.parse(result.stdout) as { images: { unpack: { outcome: { snapshot: string } } }[] }).images[0]!.unpack.outcome.snapshot;
      expect((await stat(join(rootfs, 'bin', 'su'))).mode & 0o7777).toBe(0o755);
    } finally {
      await rm(nobodyBase, { recursive: true, force: true });
    }
  });
});
