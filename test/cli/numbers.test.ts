import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ociLayoutTar } from '../helpers/archive-fixtures.js';
import { runFerry, runFerryJson } from '../helpers/cli.js';
import { buildImage, FOUR_PLATFORMS } from '../helpers/image-builder.js';

let dir: string;
let root: string;
const NAME = 'docker.io/library/numbers:1';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ferry-numbers-'));
  root = join(dir, 'store');
  const image = await buildImage({ platforms: FOUR_PLATFORMS, compression: 'none', padding: 2 * 1024 * 1024 });
  writeFileSync(join(dir, 'four.tar'), await ociLayoutTar({ images: [{ image, containerdName: NAME }] }));
  for (const [i, platform] of FOUR_PLATFORMS.slice(0, 2).entries()) {
    const one = await buildImage({ platforms: [platform], seed: `one-${i}` });
    writeFileSync(join(dir, `one-${i}.tar`), await ociLayoutTar({ images: [{ image: one, containerdName: NAME }] }));
  }
  expect((await runFerry(['--root', root, 'import', '--all-platforms', '--no-unpack', join(dir, 'four.tar')])).code).toBe(0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('numbers that add up', () => {
  it('export --compress reports the compressed bytes written, which are the size of the file', async () => {
    const out = join(dir, 'four.tar.gz');
    const json = await runFerryJson<{ bytes: number; compressedBytes: number; compression: string }>(['--root', root, 'export', '--all-platforms', '--compress', 'gzip', out, NAME]);
    expect(json.compression).toBe('gzip');
    expect(json.compressedBytes).toBe(statSync(out).size);
    expect(json.compressedBytes).toBeLessThan(json.bytes / 4);
    const text = await runFerry(['--root', root, 'export', '--all-platforms', '--compress', 'gzip', join(dir, 'again.tar.gz'), NAME]);
    const size = statSync(join(dir, 'again.tar.gz')).size;
    const shown = size < 1024 * 1024 ? `${(size / 1024).toFixed(1)} KiB` : `${(size / 1048576).toFixed(1)} MiB`;
    expect(text.stdout).toMatch(new RegExp(`^wrote .*again\\.tar\\.gz: 1 image\\(s\\), \\d+ blobs, ${shown.replace('.', '\\.')} gzip \\(\\d+\\.\\d MiB of tar\\)\\n`));
  });

  it('merge prints platforms as import and images ls do', async () => {
    const merged = join(dir, 'merged.tar');
    const result = await runFerryJson<{ images: { platforms: string[] }[] }>(['merge', merged, join(dir, 'one-0.tar'), join(dir, 'one-1.tar')]);
    const imported = await runFerryJson<{ images: { platforms: string[] }[] }>(['--root', join(dir, 'm'), 'import', '--all-platforms', '--no-unpack', merged]);
    expect(result.images[0]!.platforms).toEqual(imported.images[0]!.platforms);
    const ls = await runFerryJson<{ platforms: string[] }[]>(['--root', join(dir, 'm'), 'images', 'ls']);
    expect(ls[0]!.platforms).toEqual(result.images[0]!.platforms);
    expect(result.images[0]!.platforms).toEqual(['linux/amd64', 'linux/arm64/v8']);
  });
});
