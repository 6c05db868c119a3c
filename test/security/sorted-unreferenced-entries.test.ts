/**
 * Item 1 of issue 18, archives whose metadata comes last: ctr and docker write sorted tars, so blobs/… precede
 * index.json, manifest.json and oci-layout. A ~330 KB .tar.zst holding a valid image and an unreferenced 8 GiB
 * entry of zeros must not write gigabytes: from a file, ferry surveys the archive and then writes only what its
 * image references; from stdin (read once), it refuses the entry before writing it once it would pass
 * FERRY_MAX_UNREFERENCED_SIZE. The inflation bound is raised here so that it is this, not that, which holds.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runFerry } from '../helpers/cli.js';
import { tarBytes } from '../helpers/tar.js';
import { imageOf, validLayerEntries } from './hostile-corpus.js';
import { useImportSandboxes } from './import-sandbox.js';
import { peakBytesDuring } from './staging-peak.js';
import { digestOfZeros, tarFileHeader, zstdFrame } from './zero-bombs.js';

const { sandbox } = useImportSandboxes();
const GIB = 1024 ** 3;
/** The largest size a ustar header's octal field holds, rounded down to whole blocks. */
const ZEROS = 8 * GIB - 512;
const END_OF_TAR = 1024;
/** The sandbox's store already holds example.com/hostile:1; this image is told apart by its own name. */
const NAME = 'example.com/sorted:1';
/** What the valid image's blobs, records and temp files may take in staging: far below a gigabyte. */
const STAGING_ALLOWANCE = 4 * 1024 * 1024;
/** Only the reading bound under test, not the inflation bound, may stop these archives. */
const TRUSTING_RATIO = { FERRY_MAX_DECOMPRESSION_RATIO: '100000000' };

/**
 * A sorted OCI layout with a docker-save manifest.json, as `ctr export` writes it, plus `junk` holding `zeros`
 * zero bytes in its place in the order; one zstd frame.
 */
async function sortedArchive(junk: string, zeros = ZEROS): Promise<Buffer> {
  const image = imageOf([{ tar: await tarBytes(validLayerEntries('sorted')) }]);
  const { blobs, manifest } = image;
  const indexJson = Buffer.from(image.indexJson.toString().replace('example.com/hostile:1', NAME));
  const path = (digest: string) => `blobs/sha256/${digest.slice(7)}`;
  const config = JSON.parse(manifest.bytes.toString()).config.digest as string;
  const layers = blobs.filter((b) => b.desc.mediaType.includes('layer')).map((b) => path(b.desc.digest));
  const dockerManifest = JSON.stringify([{ Config: path(config), RepoTags: [NAME], Layers: layers }]);
  const entries = [
    ...blobs.map((b) => ({ name: path(b.desc.digest), data: b.bytes })),
    { name: 'index.json', data: indexJson },
    { name: 'manifest.json', data: Buffer.from(dockerManifest) },
    { name: 'oci-layout', data: Buffer.from('{"imageLayoutVersion":"1.0.0"}') },
  ];
  const names = [...entries.map((e) => e.name), junk].sort();
  const parts: (Buffer | number)[] = [];
  for (const name of names) {
    const entry = entries.find((e) => e.name === name);
    if (!entry) {
      parts.push(tarFileHeader(junk, zeros), zeros);
      continue;
    }
    const one = await tarBytes([entry]);
    parts.push(one.subarray(0, one.length - END_OF_TAR));
  }
  parts.push(Buffer.alloc(END_OF_TAR));
  return zstdFrame(parts);
}

/** Imports `archive` from a file or stdin into a fresh sandbox, watching the store's staging area. */
async function importWatched(archive: Buffer, from: 'file' | 'stdin', env: Record<string, string> = {}) {
  const box = await sandbox();
  try {
    const file = join(box.inbox, 'sorted.tar.zst');
    await writeFile(file, archive);
    const args = ['--root', box.store, 'import', '--all-platforms', '--no-unpack', from === 'file' ? file : '-'];
    const run = () => runFerry(args, { cwd: box.cwd, env: { ...TRUSTING_RATIO, ...env }, timeoutMs: 300_000, ...(from === 'stdin' ? { stdin: archive } : {}) });
    const { value: result, peak } = await peakBytesDuring(join(box.store, 'ingest'), run);
    const images = await runFerry(['--root', box.store, 'images', 'ls', '--json'], { cwd: box.cwd });
    return { result, peak, images: images.stdout };
  } finally {
    await box[Symbol.asyncDispose]();
  }
}

describe('unreferenced entries of a sorted archive', () => {
  const cases = [
    { what: 'a stray file', junk: () => 'junk/zeros' },
    { what: 'a blob with a valid digest name', junk: () => `blobs/sha256/${digestOfZeros(Buffer.alloc(0), ZEROS).slice(7)}` },
  ];

  for (const { what, junk } of cases) {
    describe(`${what} of 8 GiB of zeros`, () => {
      let archive: Buffer;
      let name: string;
      it('is in a ~330 KB .tar.zst, after the blobs and before the metadata or among the blobs', async () => {
        name = junk();
        archive = await sortedArchive(name);
        expect(archive.length).toBeLessThan(400 * 1024);
      }, 120_000);

      it('prevents an import from a file from writing it to staging: the image is imported, staging stays at the image', async () => {
        const { result, peak, images } = await importWatched(archive, 'file');
        expect(result.code, result.stderr).toBe(0);
        expect(result.stdout).toContain(NAME);
        expect(images).toContain(NAME);
        expect(peak).toBeLessThan(STAGING_ALLOWANCE);
      }, 300_000);

      it('prevents an import from stdin from writing it beyond the cap: refused before it, naming it and FERRY_MAX_UNREFERENCED_SIZE', async () => {
        const { result, peak, images } = await importWatched(archive, 'stdin', { FERRY_MAX_UNREFERENCED_SIZE: '1G' });
        expect(result.stderr).toMatch(/^ferry: stdin:[^\n]+ \(ERR_TOO_LARGE\)\n$/);
        expect(result.stderr).toContain(`stdin:${name} (${ZEROS} bytes)`);
        expect(result.stderr).toContain('FERRY_MAX_UNREFERENCED_SIZE');
        expect(result.code).toBe(1);
        expect(images).not.toContain(NAME);
        expect(peak).toBeLessThan(STAGING_ALLOWANCE);
      }, 300_000);
    });
  }
});

describe('FERRY_MAX_UNREFERENCED_SIZE', () => {
  it('lets a sorted .tar.zst on stdin write entries before its metadata up to the cap, and is settable', async () => {
    const archive = await sortedArchive('junk/small', 1024 * 1024);
    const within = await importWatched(archive, 'stdin');
    expect(within.result.code, within.result.stderr).toBe(0);
    expect(within.images).toContain(NAME);
    const beyond = await importWatched(archive, 'stdin', { FERRY_MAX_UNREFERENCED_SIZE: '512K' });
    expect(beyond.result.stderr).toMatch(/^ferry: stdin:junk\/small \(1048576 bytes\)[^\n]+cap of 524288[^\n]+\(ERR_TOO_LARGE\)\n$/);
    const malformed = await importWatched(archive, 'stdin', { FERRY_MAX_UNREFERENCED_SIZE: 'lots' });
    expect(malformed.result.stderr).toMatch(/^ferry: FERRY_MAX_UNREFERENCED_SIZE="lots" is not a size[^\n]+\(ERR_USAGE\)\n$/);
  }, 120_000);
});
