/**
 * An archive file whose metadata comes last is surveyed, then read again: only the entries its images reference
 * reach the sink, for docker-save archives (layers through skopeo-style symlinks) as for sorted OCI layouts,
 * and the images read the same as from a single pass.
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readArchive } from '../../../src/archive/read/index.js';
import { digestOf } from '../../../src/oci/digest.js';
import { legacyDockerSaveTar } from '../../helpers/archive-fixtures.js';
import { buildImage } from '../../helpers/image-builder.js';
import { CountingSink } from '../../helpers/memory-content.js';
import { tarBytes } from '../../helpers/tar.js';
import { expectBlobsInSink, read } from './read-helpers.js';

const END_OF_TAR = 1024;
const JUNK = Buffer.alloc(16 * 1024 * 1024, 0x61);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-survey-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Reads `archive` as a file (so it can be read again), counting what reaches the sink. */
async function readFile(archive: Buffer, name: string) {
  const path = join(dir, name);
  await writeFile(path, archive);
  const open = () => createReadStream(path);
  const sink = new CountingSink();
  const contents = await readArchive(open(), sink, { where: name, size: archive.length, reread: { path, open } });
  return { contents, sink };
}

/** `junk` entries first, then the archive's own: what a sorted tar with an early stray entry looks like. */
async function junkFirst(archive: Buffer, junk: { name: string; data: Buffer }[]): Promise<Buffer> {
  const head = await tarBytes(junk);
  return Buffer.concat([head.subarray(0, head.length - END_OF_TAR), archive]);
}

describe('readArchive: a file whose metadata comes last', () => {
  it('writes only what a docker save references (skopeo-style layer symlinks), reading its image as one pass does', async () => {
    const image = await buildImage({ format: 'docker', compression: 'none', platforms: [{ os: 'linux', architecture: 'amd64' }] });
    const saved = await legacyDockerSaveTar(image.manifests[0]!, { repoTags: ['app:1'], style: 'skopeo', manifestFirst: false });
    const archive = await junkFirst(saved, [{ name: 'aaaa/junk.tar', data: JUNK }]);
    const { contents, sink } = await readFile(archive, 'saved.tar');
    const once = await read(saved);
    expect(contents.images).toEqual(once.contents.images);
    // One pass writes every entry (VERSION, json files); the survey's pass a subset of them, the junk not among it.
    for (const [digest, size] of contents.blobs) expect(once.contents.blobs.get(digest)).toBe(size);
    expect(contents.blobs.has(digestOf(JUNK))).toBe(false);
    expectBlobsInSink(contents, sink);
    expect(sink.written).toBeLessThan(saved.length);
  });

  it('writes only what the index reaches in a sorted OCI layout, junk blob with a valid name included', async () => {
    const image = await buildImage({ format: 'oci', compression: 'gzip', platforms: [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64', variant: 'v8' }] });
    const blobs = [...image.content.blobs.entries()].map(([digest, bytes]) => ({ name: `blobs/sha256/${digest.slice(7)}`, data: Buffer.from(bytes) }));
    const junkBlob = { name: `blobs/sha256/${digestOf(JUNK).slice(7)}`, data: JUNK };
    const layout = [
      ...blobs,
      junkBlob,
      { name: 'index.json', data: Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [image.index.desc] })) },
      { name: 'junk/zeros', data: JUNK },
      { name: 'oci-layout', data: Buffer.from('{"imageLayoutVersion":"1.0.0"}') },
    ].sort((a, b) => (a.name < b.name ? -1 : 1));
    const { contents, sink } = await readFile(await tarBytes(layout), 'sorted.tar');
    expect(contents.images.map((i) => i.target.digest)).toEqual([image.index.desc.digest]);
    for (const digest of image.content.blobs.keys()) expect(contents.blobs.has(digest)).toBe(true);
    expect(contents.blobs.has(digestOf(JUNK))).toBe(false);
    expect(sink.written).toBeLessThan(blobs.reduce((n, b) => n + b.data.length, 0) + 4096);
  });
});
