// Bad layer content through the whole CLI: each case is one line on stderr with its own code, exit 1, and an empty
// store — never "internal error, please report it" with a stack trace. Needs xz and bzip2 (Debian packages
// xz-utils, bzip2; both are in every Debian base system).
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestOf } from '../../src/oci/digest.js';
import { MediaType } from '../../src/oci/mediatypes.js';
import { ociLayoutTar } from '../helpers/archive-fixtures.js';
import { runFerry } from '../helpers/cli.js';
import { compress } from '../helpers/image-builder.js';
import { MemoryContent } from '../helpers/memory-content.js';
import { mixedBytes } from '../helpers/realistic-image.js';
import { tarBytes } from '../helpers/tar.js';

const HOST = { FERRY_PLATFORM: 'linux/amd64' };

/** A one-layer image around `blob` (whose uncompressed tar is `tar`), with correct digests throughout. */
async function imageArchive(blob: Buffer, tar: Buffer, mediaType: string): Promise<Buffer> {
  const content = new MemoryContent();
  const layer = content.put(mediaType, blob);
  const config = content.put(MediaType.ociConfig, JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [digestOf(tar)] } }));
  const manifestBytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociManifest, config, layers: [layer] }));
  const manifest = content.put(MediaType.ociManifest, manifestBytes, { platform: { os: 'linux', architecture: 'amd64' } });
  const indexBytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [manifest] }));
  const index = content.put(MediaType.ociIndex, indexBytes);
  const image = { content, index: { desc: index, bytes: indexBytes }, manifests: [], attestations: [] };
  return ociLayoutTar({ images: [{ image, containerdName: 'example.com/bad/layer:1', refName: '1' }] });
}

function withChecksum(tar: Buffer, offset: number): Buffer {
  tar.fill(0x20, offset + 148, offset + 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += tar[offset + i]!;
  Buffer.from(`${sum.toString(8).padStart(6, '0')}\0 `).copy(tar, offset + 148);
  return tar;
}

describe('bad layer content through the CLI', () => {
  let dir: string;
  const cases: { name: string; archive: string; code: string; says: string }[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-bad-layer-'));
    const big = mixedBytes(2 * 1024 * 1024, 3);
    const good = await tarBytes([{ name: 'big.bin', data: big }, { name: 'after.txt', data: 'x' }]);
    const corrupt = Buffer.from(good);
    corrupt[512 + big.length + 148] = corrupt[512 + big.length + 148]! ^ 0x33;
    const bigUid = Buffer.from(await tarBytes([{ name: 'owned.txt', data: 'x' }]));
    Buffer.from([0x80, 0, 0, 1, 0, 0, 0, 0]).copy(bigUid, 108);
    withChecksum(bigUid, 0);
    const emptyLink = await tarBytes([{ name: 'dangling', type: 'symlink', linkname: '' }]);
    const add = async (name: string, blob: Buffer, tar: Buffer, mediaType: string, code: string, says: string) => {
      const archive = join(dir, `${name.replaceAll(' ', '-')}.tar`);
      await writeFile(archive, await imageArchive(blob, tar, mediaType));
      cases.push({ name, archive, code, says });
    };
    await add('corrupt tar header after 2 MiB (gzip layer)', compress(corrupt, 'gzip'), corrupt, MediaType.ociLayerGzip, 'ERR_INVALID_DOCUMENT', 'not a valid tar');
    await add('uid out of range', compress(bigUid, 'gzip'), bigUid, MediaType.ociLayerGzip, 'ERR_INVALID_DOCUMENT', 'uid');
    await add('symlink with an empty target', emptyLink, emptyLink, MediaType.ociLayer, 'ERR_INVALID_DOCUMENT', 'empty target');
    await add('xz layer', execFileSync('xz', ['-c'], { input: good, maxBuffer: 1 << 26 }), good, MediaType.ociLayer, 'ERR_UNSUPPORTED', 'xz-compressed');
    await add('bzip2 layer', execFileSync('bzip2', ['-c'], { input: good, maxBuffer: 1 << 26 }), good, MediaType.ociLayer, 'ERR_UNSUPPORTED', 'bzip2-compressed');
  }, 60_000);

  afterAll(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));

  it('import: one line with its own code and a true hint, exit 1, nothing imported', async () => {
    for (const c of cases) {
      const root = await mkdtemp(join(dir, 'store-'));
      const result = await runFerry(['--root', root, 'import', c.archive], { env: HOST, timeoutMs: 60_000 });
      expect(result.code, `${c.name}: ${result.stderr}`).toBe(1);
      expect(result.stderr, c.name).toMatch(new RegExp(`^ferry: [^\\n]*${c.says}[^\\n]*\\(${c.code}\\)\\n$`));
      expect(result.stderr, c.name).not.toContain('free space');
      const listed = await runFerry(['--root', root, 'images', 'ls']);
      // Nothing imported: the store is empty, or was never made (images ls then says there is none).
      expect(listed.stdout.trim() || listed.stderr, c.name).toMatch(/^no images|there is no ferry store/);
    }
  }, 180_000);
});
