/**
 * Item 2 of issue 18: `ferry extract` is bounded like unpack — a 128 KiB artifact layer that inflates to 4 GiB of
 * zeros is refused fast, writes (almost) nothing and leaves no directory behind.
 */
import { access, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { extractArtifact } from '../../src/artifact/extract.js';
import { MediaType } from '../../src/oci/mediatypes.js';
import type { ImageManifest } from '../../src/oci/schemas.js';
import { MemoryContent } from '../helpers/memory-content.js';
import { tarFileHeader, zstdZeros } from './zero-bombs.js';

const FOUR_GIB = 4 * 1024 ** 3;

let base: string;
beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'ferry-extract-bomb-'));
});
afterEach(() => rm(base, { recursive: true, force: true }));

describe('ferry extract decompression bound', () => {
  it('prevents a 4 GiB-of-zeros tar layer of 128 KiB from filling the disk: refused fast, nothing left', async () => {
    const content = new MemoryContent();
    const bomb = zstdZeros(tarFileHeader('zeros', FOUR_GIB), FOUR_GIB + 1024);
    expect(bomb.length).toBeLessThan(200 * 1024);
    const layer = content.put('application/vnd.example.data.v1.tar+zstd', bomb);
    const config = content.put(MediaType.ociEmpty, '{}');
    const manifest: ImageManifest = { schemaVersion: 2, mediaType: MediaType.ociManifest, artifactType: 'application/vnd.example', config, layers: [layer] } as ImageManifest;
    const dir = join(base, 'out');
    const started = Date.now();
    await expect(extractArtifact(content, manifest, 'bomb', dir)).rejects.toMatchObject({ code: 'ERR_TOO_LARGE' });
    expect(Date.now() - started).toBeLessThan(30_000);
    await expect(access(dir)).rejects.toThrow(/ENOENT/);
    expect(await readdir(base)).toEqual([]);
  });
});
