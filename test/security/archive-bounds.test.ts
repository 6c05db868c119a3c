/**
 * Item 1 of issue 18: a tiny archive cannot fill the disk. A compressed archive may inflate only as far as a layer
 * may (FERRY_MAX_DECOMPRESSION_RATIO times what the user handed in, at least 64 MiB), whether the zeros sit in an
 * entry no image references or in an uncompressed layer; and one import has a size cap the user sets
 * (--max-size, FERRY_MAX_IMPORT_SIZE). Refusals are fast and leave the sandbox — store and staging — unchanged.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MediaType } from '../../src/oci/mediatypes.js';
import { runFerry } from '../helpers/cli.js';
import { tarBytes } from '../helpers/tar.js';
import { blob, imageOf, layoutTar, validArchive } from './hostile-corpus.js';
import { useImportSandboxes } from './import-sandbox.js';
import { tarFileHeader, zstdZeros } from './zero-bombs.js';

const { sandbox, expectRefused } = useImportSandboxes();
const GIB = 1024 ** 3;
const END_OF_TAR = 1024;

/** A valid archive's entries (without its end marker), then `name` holding `zeros` zero bytes, all as one zstd frame. */
async function withZeroEntry(name: string, zeros: number): Promise<Buffer> {
  const valid = await validArchive('bounds');
  const body = valid.subarray(0, valid.length - END_OF_TAR);
  return zstdZeros(Buffer.concat([body, tarFileHeader(name, zeros)]), zeros + END_OF_TAR);
}

/** An OCI layout, as one zstd frame, whose image's only layer is an uncompressed tar of a `zeros`-byte file. */
async function uncompressedZeroLayer(zeros: number): Promise<Buffer> {
  const layerHead = tarFileHeader('zeros', zeros);
  const layerSize = layerHead.length + zeros + END_OF_TAR;
  // The layer's real digest would cost hashing 4 GiB to build; the archive is refused long before it is checked.
  const layer = { mediaType: MediaType.ociLayer, digest: `sha256:${'f'.repeat(64)}`, size: layerSize };
  const { blobs, manifest, indexJson } = imageOf([{ tar: await tarBytes([{ name: 'a', data: 'a' }]) }]);
  const doc = JSON.parse(manifest.bytes.toString());
  doc.layers = [layer];
  const evil = blob(MediaType.ociManifest, JSON.stringify(doc));
  const index = JSON.parse(indexJson.toString());
  index.manifests[0] = { ...index.manifests[0], digest: evil.desc.digest, size: evil.desc.size };
  const metadata = await layoutTar(JSON.stringify(index), [blobs[0]!, evil]);
  const head = Buffer.concat([metadata.subarray(0, metadata.length - END_OF_TAR), tarFileHeader(`blobs/sha256/${'f'.repeat(64)}`, layerSize), layerHead]);
  return zstdZeros(head, zeros + END_OF_TAR + END_OF_TAR);
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const started = Date.now();
  const value = await work();
  return { value, seconds: (Date.now() - started) / 1000 };
}

describe.concurrent('ferry import bounds a whole archive', () => {
  it('prevents a ~130 KB .tar.zst with an unreferenced 8 GiB file of zeros from filling staging (ERR_TOO_LARGE, fast)', async () => {
    const archive = await withZeroEntry('junk', 8 * GIB - 512);
    expect(archive.length).toBeLessThan(400 * 1024);
    const { value: stderr, seconds } = await timed(() => expectRefused(archive, 'ERR_TOO_LARGE'));
    expect(stderr).toContain('FERRY_MAX_DECOMPRESSION_RATIO');
    expect(seconds).toBeLessThan(60);
  });

  it('prevents a ~130 KB .tar.zst whose image has an uncompressed 4 GiB layer of zeros from being imported (ERR_TOO_LARGE, fast)', async () => {
    const archive = await uncompressedZeroLayer(4 * GIB);
    expect(archive.length).toBeLessThan(200 * 1024);
    const { value: stderr, seconds } = await timed(() => expectRefused(archive, 'ERR_TOO_LARGE'));
    expect(stderr).toMatch(/inflates to more than \d+ bytes from \d+ compressed bytes/);
    expect(seconds).toBeLessThan(60);
  });

  it('FERRY_MAX_DECOMPRESSION_RATIO raises the archive bound as it does a layer\'s', async () => {
    // 100 MiB of zeros in a few KiB: beyond the 64 MiB floor, within a ratio of a million.
    const archive = await withZeroEntry('padding', 100 * 1024 * 1024);
    await expectRefused(archive, 'ERR_TOO_LARGE');
    const box = await sandbox();
    try {
      const file = join(box.inbox, 'padded.tar.zst');
      await writeFile(file, archive);
      const result = await runFerry(['--root', box.store, 'import', file], { cwd: box.cwd, env: { FERRY_MAX_DECOMPRESSION_RATIO: '1000000' } });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain('example.com/hostile:1');
    } finally {
      await box[Symbol.asyncDispose]();
    }
  });

  it('prevents an import beyond the user\'s --max-size or FERRY_MAX_IMPORT_SIZE cap (ERR_TOO_LARGE), plain tar included', async () => {
    const archive = await validArchive('capped');
    expect(archive.length).toBeGreaterThan(64 * 1024);
    const stderr = await expectRefused(archive, 'ERR_TOO_LARGE', { FERRY_MAX_IMPORT_SIZE: '32K' });
    expect(stderr).toContain('size cap of one import');
    const box = await sandbox();
    try {
      const file = join(box.inbox, 'capped.tar');
      await writeFile(file, archive);
      const refused = await runFerry(['--root', box.store, 'import', '--max-size', '32K', file], { cwd: box.cwd });
      expect(refused.stderr).toMatch(/more than 32768 bytes of tar[^\n]*--max-size[^\n]*\(ERR_TOO_LARGE\)\n$/);
      const usage = await runFerry(['--root', box.store, 'import', '--max-size', 'lots', file], { cwd: box.cwd });
      expect(usage.stderr).toMatch(/^ferry: --max-size "lots" is not a size[^\n]*\(ERR_USAGE\)\n$/);
      expect(usage.code).toBe(2);
      const allowed = await runFerry(['--root', box.store, 'import', '--max-size', '1M', file], { cwd: box.cwd });
      expect(allowed.code, allowed.stderr).toBe(0);
    } finally {
      await box[Symbol.asyncDispose]();
    }
  });
});
