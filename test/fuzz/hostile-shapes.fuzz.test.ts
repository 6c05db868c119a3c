/**
 * Property-based fuzzing with hostile-shaped inputs (issue 18): PAX overrides of path, linkpath and size, GNU long
 * names, links, whiteouts, nested and self-referencing indexes, repeated descriptors. For the archive reader and the
 * graph walk: a complete result or a FerryError, in bounded time and memory, and the end-of-archive walker agreeing
 * with tar-stream (trailing zeros change nothing). For the layer applier: nothing outside the root changes.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readArchive } from '../../src/archive/read/index.js';
import { resolveImage } from '../../src/graph/resolve.js';
import type { Descriptor } from '../../src/oci/descriptor.js';
import { MediaType } from '../../src/oci/mediatypes.js';
import { applyLayer } from '../../src/unpack/apply-layer.js';
import { blob, imageOf, layoutTar, type Blob } from '../security/hostile-corpus.js';
import { MemoryContent } from '../helpers/memory-content.js';
import { type TarEntry, tarBytes } from '../helpers/tar.js';
import { makeSandbox, type Sandbox } from '../unpack/sandbox.js';
import { configureFuzzing, onlyFerryErrorsAsync } from './fuzz-config.js';

configureFuzzing();

/** Peak RSS any single run may reach: memory must not grow with what a hostile header claims. */
const MEMORY_BOUND = 1024 * 1024 * 1024;

function chunked(bytes: Buffer, size: number): Readable {
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  return Readable.from(chunks, { objectMode: false });
}

/** A raw GNU long-name entry ('L' or 'K') followed by a regular header: shapes tar-stream's packer never writes. */
function gnuLongName(kind: 'L' | 'K', longName: string, header: Buffer): Buffer {
  const data = Buffer.from(`${longName}\0`);
  const block = Buffer.alloc(512);
  block.write('././@LongLink', 0);
  block.write('0000644\0', 100);
  block.write('0000000\0', 108);
  block.write('0000000\0', 116);
  block.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
  block.write('00000000000\0', 136);
  block.write(kind, 156);
  block.write('ustar  \0', 257, 'latin1');
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const padding = Buffer.alloc((512 - (data.length % 512)) % 512);
  return Buffer.concat([block, data, padding, header]);
}

const pathLike = fc.oneof(
  fc.constantFrom('etc/passwd', '../escape', '/abs/path', 'a/../../b', 'blobs/sha256/../../x', '.wh..wh..opq', 'd/.wh.x', 'l', 'l/x', '.', ''),
  fc.array(fc.constantFrom('a', 'b', '..', '.', 'l', '.wh.a', 'x'.repeat(120)), { minLength: 1, maxLength: 5 }).map((parts) => parts.join('/')),
);

const paxOverrides = fc.option(
  fc.record(
    { path: pathLike, linkpath: pathLike, size: fc.constantFrom('0', '1', '512', '1099511627776', '-1', 'x', '') },
    { requiredKeys: [] },
  ),
  { nil: undefined },
);

const hostileEntry: fc.Arbitrary<TarEntry> = fc.oneof(
  fc.record({ name: pathLike, data: fc.string({ maxLength: 64 }), pax: paxOverrides }).map((e) => (e.pax ? e : { name: e.name, data: e.data })),
  fc.record({ name: pathLike, type: fc.constantFrom('symlink' as const, 'link' as const), linkname: pathLike }),
  fc.record({ name: pathLike, type: fc.constantFrom('directory' as const) }),
  fc.record({ name: pathLike.map((p) => `${p}/.wh.${p.split('/').at(-1) ?? 'x'}`) }),
);

/** A tar of hostile entries, the first one sometimes behind a GNU long-name or long-link header. */
const hostileTar = fc
  .tuple(fc.array(hostileEntry, { maxLength: 8 }), fc.option(fc.tuple(fc.constantFrom('L' as const, 'K' as const), pathLike), { nil: undefined }))
  .map(async ([entries, longName]) => {
    const bytes = await tarBytes(entries).catch(() => undefined);
    if (!bytes || !longName || entries.length === 0) return bytes;
    return Buffer.concat([gnuLongName(longName[0], longName[1], bytes.subarray(0, 512)), bytes.subarray(512)]);
  });

/** An OCI layout whose index nests indexes (some self-referencing or repeated) around one real image. */
const nestedIndexes = fc.record({
  depth: fc.integer({ min: 0, max: 4 }),
  repeats: fc.integer({ min: 1, max: 4 }),
  selfReference: fc.boolean(),
  missing: fc.boolean(),
  claimedSize: fc.option(fc.constantFrom(0, 1, 3e9, 2 ** 53), { nil: undefined }),
});

async function nestedIndexArchive(shape: { depth: number; repeats: number; selfReference: boolean; missing: boolean; claimedSize: number | undefined }): Promise<Buffer> {
  const image = imageOf([{ tar: await tarBytes([{ name: 'etc/hostname', data: 'nested' }]) }]);
  const extra: Blob[] = [];
  let child: Descriptor = { ...image.manifest.desc, ...(shape.claimedSize === undefined ? {} : { size: shape.claimedSize }) };
  for (let level = 0; level < shape.depth; level++) {
    const manifests = Array.from({ length: shape.repeats }, () => child);
    if (shape.selfReference && level === shape.depth - 1) manifests.push({ mediaType: MediaType.ociIndex, digest: `sha256:${'0'.repeat(64)}`, size: 2 });
    const index = blob(MediaType.ociIndex, JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests }));
    if (!(shape.missing && level === 0)) extra.push(index);
    child = index.desc;
  }
  const top = JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: Array.from({ length: shape.repeats }, () => child) });
  return layoutTar(top, [...image.blobs, ...extra]);
}

async function withinMemory<T>(work: () => Promise<T>): Promise<T> {
  const result = await work();
  expect(process.memoryUsage().rss).toBeLessThan(MEMORY_BOUND);
  return result;
}

describe('fuzz: hostile shapes through the archive reader and the graph walk', () => {
  it('hostile tars (PAX overrides, GNU long names, links, whiteouts) read or fail with a FerryError; trailing zeros change nothing', async () => {
    await fc.assert(
      fc.asyncProperty(hostileTar, fc.integer({ min: 1, max: 5000 }), async (built, chunk) => {
        const bytes = await built;
        if (!bytes) return;
        const plain = await withinMemory(() => onlyFerryErrorsAsync(() => readArchive(chunked(bytes, chunk), new MemoryContent(), { where: 'fuzz.tar' })));
        const padded = Buffer.concat([bytes, Buffer.alloc(64 * 1024)]);
        const trailing = await onlyFerryErrorsAsync(() => readArchive(chunked(padded, chunk), new MemoryContent(), { where: 'fuzz.tar' }));
        expect(trailing?.images.map((i) => i.target.digest)).toEqual(plain?.images.map((i) => i.target.digest));
      }),
      { numRuns: 100 },
    );
  });

  it('nested, self-referencing and repeated indexes resolve or fail with a FerryError, in bounded time', async () => {
    await fc.assert(
      fc.asyncProperty(nestedIndexes, async (shape) => {
        const sink = new MemoryContent();
        const archive = await nestedIndexArchive(shape);
        const read = await onlyFerryErrorsAsync(() => readArchive(chunked(archive, 4096), sink, { where: 'nested.tar' }));
        if (!read) return;
        for (const image of read.images) await withinMemory(() => onlyFerryErrorsAsync(() => resolveImage(sink, image.target, { all: true })));
      }),
      { numRuns: 60 },
    );
  });
});

describe('fuzz: hostile shapes through the layer applier', () => {
  let box: Sandbox;
  let before: string[];
  beforeAll(async () => {
    box = await makeSandbox();
    before = await box.outsideState();
  });
  afterAll(() => box.cleanup());

  it('hostile layers (PAX paths and links, GNU long names, links, whiteouts) change nothing outside the root', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(hostileTar, async (built) => {
        const bytes = await built;
        if (!bytes) return;
        const root = join(box.rootfs, String(run++));
        await mkdir(root);
        await withinMemory(() => onlyFerryErrorsAsync(() => applyLayer(root, Readable.from([bytes]), { where: 'fuzz', isRoot: false })));
        expect(await box.outsideState()).toEqual(before);
      }),
      { numRuns: 100 },
    );
  });
});
