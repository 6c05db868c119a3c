/**
 * ferry writing zstd through the zstd program (FERRY_ZSTD_BACKEND=cli, the default on Node < 22.15; Debian
 * package `zstd`): `export --layer-compression zstd`, `export --compress zstd` and `convert --layers zstd` of a
 * realistic image, checked by content — every layer decompresses (zstd -dc, fzstd) to its diffID, skopeo reads the
 * layers back as those diffIDs, and the image unpacks to the same tree as the gzip original. A zstd program that
 * dies mid-stream fails each command with one ERR_PROGRAM line and leaves no archive and no image behind; with
 * neither zlib zstd nor the program (Node 20, an empty PATH), each is one ERR_UNSUPPORTED line saying what to do.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sniffCompression } from '../../src/oci/compression.js';
import { nodeZstd } from '../../src/oci/compression/zstd-backend.js';
import { ociLayoutTar } from '../helpers/archive-fixtures.js';
import { runFerry, runFerryJson } from '../helpers/cli.js';
import { buildRealisticImage } from '../helpers/realistic-image.js';
import { readTar } from '../helpers/tar.js';
import { tempDir, type TempDir } from '../helpers/temp-dir.js';
import { treeLines } from '../helpers/tree-digest.js';
import { itInterop, SKOPEO_NEED } from '../interop/harness/requirements.js';

const NAME = 'docker.io/library/zstd-compress:1';
const CLI = { FERRY_ZSTD_BACKEND: 'cli' };
const RUN = { timeoutMs: 90_000 };
const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

interface Layout {
  blob(digest: string): Buffer;
  /** Each platform manifest's layers and its config's diffIDs. */
  images: { layers: { digest: string; mediaType: string }[]; diffIDs: string[] }[];
}

function readLayout(entries: { name: string; data: Buffer; type: string }[]): Layout {
  const blob = (digest: string) => {
    const entry = entries.find((e) => e.name === `blobs/sha256/${digest.slice(7)}` && e.type === 'file');
    expect(entry, digest).toBeDefined();
    return entry!.data;
  };
  const json = <T>(b: Buffer) => JSON.parse(b.toString('utf8')) as T;
  type Index = { manifests: { digest: string; mediaType: string }[] };
  const images: Layout['images'] = [];
  const walk = (digest: string, mediaType: string) => {
    if (mediaType.includes('index') || mediaType.includes('manifest.list')) {
      for (const m of json<Index>(blob(digest)).manifests) walk(m.digest, m.mediaType);
      return;
    }
    const manifest = json<{ config: { digest: string }; layers: { digest: string; mediaType: string }[] }>(blob(digest));
    const config = json<{ rootfs: { diff_ids: string[] } }>(blob(manifest.config.digest));
    images.push({ layers: manifest.layers, diffIDs: config.rootfs.diff_ids });
  };
  for (const m of json<Index>(entries.find((e) => e.name === 'index.json')!.data).manifests) walk(m.digest, m.mediaType);
  return { blob, images };
}

/** Every layer is a zstd frame with a checksum that zstd -dc decodes to the config's diffID. */
function expectZstdLayersOfDiffIDs(layout: Layout): void {
  expect(layout.images.length).toBeGreaterThan(0);
  for (const image of layout.images) {
    expect(image.layers.map((l) => l.mediaType)).toEqual(image.diffIDs.map(() => 'application/vnd.oci.image.layer.v1.tar+zstd'));
    image.layers.forEach((layer, i) => {
      const zst = layout.blob(layer.digest);
      expect(sha256(zst)).toBe(layer.digest);
      expect(sniffCompression(zst)).toBe('zstd');
      expect((zst[4]! >> 2) & 1, 'content checksum flag').toBe(1);
      expect(sha256(execFileSync('zstd', ['-dc'], { input: zst, maxBuffer: 1 << 30 }))).toBe(image.diffIDs[i]);
    });
  }
}

describe('ferry compressing zstd with the zstd program', { timeout: 300_000 }, () => {
  let tmp: TempDir;
  let root: string;
  let archive: string;
  /** ferry's unpack of the gzip original: what every zstd twin must unpack to. */
  let original: string[];
  let diffIDs: string[];

  /** Imports `file` into a new store (decoding with fzstd, not the program under test) and unpacks it. */
  async function unpackedTree(file: string, label: string, name = NAME): Promise<string[]> {
    const store = join(tmp.dir, `store-${label}`);
    const out = join(tmp.dir, `rootfs-${label}`);
    const env = { FERRY_ZSTD_BACKEND: 'js' };
    const imported = await runFerry(['--root', store, 'import', '--no-unpack', '-q', file], { env, ...RUN });
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
    const unpacked = await runFerry(['--root', store, 'unpack', '-q', name, out], { env, ...RUN });
    expect(unpacked.stderr).toBe('');
    expect(unpacked.code).toBe(0);
    return treeLines(out);
  }

  /** A `zstd` first on PATH that answers the probe, compresses the first MB for real, then fails like a full disk. */
  function dyingZstdPath(): string {
    const bin = join(tmp.dir, 'dying-bin');
    mkdirSync(bin, { recursive: true });
    const script = [
      '#!/bin/sh',
      'if [ "$1" = "--version" ]; then echo "*** Zstandard CLI (64-bit) v1.5.4, by Yann Collet ***"; exit 0; fi',
      'head -c 1000000 | /usr/bin/zstd -q -c',
      'echo "zstd: error 70 : Write error : cannot write block : No space left on device" >&2',
      'exit 70',
      '',
    ].join('\n');
    writeFileSync(join(bin, 'zstd'), script);
    chmodSync(join(bin, 'zstd'), 0o755);
    return `${bin}:${process.env.PATH}`;
  }

  function expectOneProgramError(result: { code: number; stderr: string }): void {
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^ferry: .*the zstd program failed \(error 70 : Write error .*No space left on device\) while compressing; .*gzip.*\(ERR_PROGRAM\)\n$/);
  }

  beforeAll(async () => {
    tmp = await tempDir('ferry-zstd-compress-');
    const image = await buildRealisticImage({ compression: 'gzip', bigFileBytes: 8 * 1024 * 1024, smallFiles: 1500 });
    diffIDs = image.manifests[0]!.layers.map((l) => l.diffID);
    archive = join(tmp.dir, 'gzip.tar');
    writeFileSync(archive, await ociLayoutTar({ images: [{ image, containerdName: NAME }] }));
    root = join(tmp.dir, 'store');
    expect((await runFerry(['--root', root, 'import', '--no-unpack', '-q', archive], RUN)).code).toBe(0);
    original = await unpackedTree(archive, 'original');
    expect(original.length).toBeGreaterThan(1500);
  });
  afterAll(() => tmp.cleanup());

  it('ferry version names the program, its version, and that it compresses', async () => {
    const forced = await runFerryJson<{ zstd: string; zstdCompression: string | null; zstdProgram?: string }>(['version'], { env: CLI });
    const version = /v(\d+\.\d+\.\d+)/.exec(execFileSync('zstd', ['--version'], { encoding: 'utf8' }))![1];
    expect(forced).toMatchObject({ zstd: 'zstd-cli', zstdCompression: 'zstd-cli', zstdProgram: version });
    const text = await runFerry(['version'], { env: CLI });
    expect(text.stdout).toContain(`zstd zstd-cli (zstd ${version}), decodes and compresses\n`);
    const js = await runFerryJson<{ zstd: string; zstdCompression: string | null }>(['version'], { env: { FERRY_ZSTD_BACKEND: 'js' } });
    expect(js).toMatchObject({ zstd: 'fzstd', zstdCompression: null });
    // On Node 20 (no zlib zstd) the program is also what ferry picks by itself.
    const unforced = await runFerryJson<{ zstd: string; zstdCompression: string | null }>(['version'], { env: { FERRY_ZSTD_BACKEND: '' } });
    expect(unforced.zstdCompression).toBe(nodeZstd() ? 'node:zlib' : 'zstd-cli');
  });

  it('export --layer-compression zstd: every layer is a checksummed zstd frame of its diffID; the image unpacks the same', async () => {
    const out = join(tmp.dir, 'layers-zstd.tar');
    const result = await runFerry(['--root', root, 'export', '--layer-compression', 'zstd', out, NAME], { env: CLI, ...RUN });
    expect(result.code, result.stderr).toBe(0);
    const layout = readLayout(await readTar(readFileSync(out)));
    expectZstdLayersOfDiffIDs(layout);
    expect(layout.images[0]!.diffIDs).toEqual(diffIDs);
    expect(await unpackedTree(out, 'layers-zstd')).toEqual(original);
  });

  itInterop('skopeo reads the zstd layers ferry wrote back as the diffIDs', [SKOPEO_NEED], () => {
    const out = join(tmp.dir, 'layers-zstd.tar');
    expect(existsSync(out)).toBe(true);
    const dir = join(tmp.dir, 'skopeo-dir');
    // ref.name is the tag; skopeo decompresses each layer and names it by the digest of what came out.
    execFileSync('skopeo', ['copy', '-q', '--dest-decompress', `oci-archive:${out}:1`, `dir:${dir}`], { stdio: 'pipe' });
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { layers: { digest: string }[] };
    expect(manifest.layers.map((l) => l.digest)).toEqual(diffIDs);
  });

  it('export --compress zstd: the archive is one checksummed frame whose content imports as the same image', async () => {
    const out = join(tmp.dir, 'whole.tar.zst');
    const plainOut = join(tmp.dir, 'whole.tar');
    expect((await runFerry(['--root', root, 'export', '--compress', 'zstd', out, NAME], { env: CLI, ...RUN })).code).toBe(0);
    expect((await runFerry(['--root', root, 'export', plainOut, NAME], RUN)).code).toBe(0);
    const zst = readFileSync(out);
    expect((zst[4]! >> 2) & 1).toBe(1);
    // The same archive as without --compress, byte for byte, once decompressed.
    expect(sha256(execFileSync('zstd', ['-dc'], { input: zst, maxBuffer: 1 << 30 }))).toBe(sha256(readFileSync(plainOut)));
    expect(await unpackedTree(out, 'whole-zstd')).toEqual(original);
  });

  it('convert --layers zstd: new zstd layers of the same diffIDs, stored, exported as they are, unpacking the same', async () => {
    const tag = 'docker.io/library/zstd-compress:converted';
    const converted = await runFerry(['--root', root, 'convert', NAME, '--layers', 'zstd', '--tag', tag], { env: CLI, ...RUN });
    expect(converted.code, converted.stderr).toBe(0);
    const out = join(tmp.dir, 'converted.tar');
    // No recompression on the way out: the layers in the archive are the ones convert stored.
    expect((await runFerry(['--root', root, 'export', out, tag], { env: { FERRY_ZSTD_BACKEND: 'js' }, ...RUN })).code).toBe(0);
    const layout = readLayout(await readTar(readFileSync(out)));
    expectZstdLayersOfDiffIDs(layout);
    expect(layout.images[0]!.diffIDs).toEqual(diffIDs);
    expect(await unpackedTree(out, 'converted', tag)).toEqual(original);
    const fsck = await runFerry(['--root', root, 'fsck'], RUN);
    expect(fsck.code, fsck.stderr).toBe(0);
  });

  it('a zstd program that dies mid-stream: export --layer-compression zstd is one ERR_PROGRAM line and leaves no archive', async () => {
    const out = join(tmp.dir, 'dying-layers.tar');
    const result = await runFerry(['--root', root, 'export', '--layer-compression', 'zstd', out, NAME], { env: { ...CLI, PATH: dyingZstdPath() }, ...RUN });
    expectOneProgramError(result);
    expect(existsSync(out)).toBe(false);
  });

  it('a zstd program that dies mid-stream: export --compress zstd is one ERR_PROGRAM line and leaves no archive', async () => {
    const out = join(tmp.dir, 'dying-whole.tar.zst');
    const result = await runFerry(['--root', root, 'export', '--compress', 'zstd', out, NAME], { env: { ...CLI, PATH: dyingZstdPath() }, ...RUN });
    expectOneProgramError(result);
    expect(existsSync(out)).toBe(false);
  });

  it.runIf(nodeZstd() === undefined)('no zlib zstd and no zstd program: export and convert to zstd are one ERR_UNSUPPORTED line saying what to do', async () => {
    const emptyBin = join(tmp.dir, 'empty-bin');
    mkdirSync(emptyBin, { recursive: true });
    const env = { FERRY_ZSTD_BACKEND: '', PATH: emptyBin };
    const out = join(tmp.dir, 'refused.tar');
    for (const args of [
      ['export', '--layer-compression', 'zstd', out, NAME],
      ['export', '--compress', 'zstd', out, NAME],
      ['convert', NAME, '--layers', 'zstd', '--tag', 'docker.io/library/zstd-compress:refused'],
    ]) {
      const result = await runFerry(['--root', root, ...args], { env, ...RUN });
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(/zstd compression is not available .*; use gzip, run ferry on Node 22\.15 or later, or install the zstd package .*\(ERR_UNSUPPORTED\)\n$/);
      expect(existsSync(out)).toBe(false);
    }
  });

  it('a zstd program that dies mid-stream: convert --layers zstd is one ERR_PROGRAM line and names nothing', async () => {
    const tag = 'docker.io/library/zstd-compress:never';
    const result = await runFerry(['--root', root, 'convert', NAME, '--layers', 'zstd', '--tag', tag], { env: { ...CLI, PATH: dyingZstdPath() }, ...RUN });
    expectOneProgramError(result);
    const images = await runFerry(['--root', root, 'images', 'ls', '-q'], RUN);
    expect(images.stdout).not.toContain(':never');
  });
});
