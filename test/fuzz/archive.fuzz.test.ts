/**
 * Property-based fuzzing of the archive reader (the tar scanner, OCI layout and docker-save readers behind
 * `ferry import`): damaged valid archives and tars of arbitrary entries either read or fail with a FerryError,
 * and never hang.
 */
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { beforeAll, describe, it } from 'vitest';
import { readArchive } from '../../src/archive/read/index.js';
import { ociLayoutTar } from '../helpers/archive-fixtures.js';
import { buildImage } from '../helpers/image-builder.js';
import { MemoryContent } from '../helpers/memory-content.js';
import { type TarEntry, tarBytes } from '../helpers/tar.js';
import { configureFuzzing, onlyFerryErrorsAsync } from './fuzz-config.js';

configureFuzzing();

function read(bytes: Buffer, chunk: number) {
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunk) chunks.push(bytes.subarray(i, i + chunk));
  return onlyFerryErrorsAsync(() => readArchive(Readable.from(chunks, { objectMode: false }), new MemoryContent(), { where: 'fuzz.tar' }));
}

let valid: Buffer;
beforeAll(async () => {
  const image = await buildImage({ platforms: [{ os: 'linux', architecture: 'amd64' }], compression: 'none' });
  valid = await ociLayoutTar({ images: [{ image, containerdName: 'example.com/fuzz:1' }], dockerManifest: [] });
});

const entryName = fc.oneof(
  fc.constantFrom('oci-layout', 'index.json', 'manifest.json', 'repositories', 'blobs/', 'blobs/sha256/', 'a/layer.tar', '../x', '/abs', 'blobs/sha256/../../x'),
  fc.string({ minLength: 1, maxLength: 40 }).filter((s) => !s.includes('\0')),
  fc.stringMatching(/^blobs\/sha256\/[0-9a-f]{64}$/),
);
const entryData = fc.oneof(
  fc.constantFrom('{"imageLayoutVersion":"1.0.0"}', '{"schemaVersion":2,"manifests":[]}', '[]', '[{"Config":"a","RepoTags":null,"Layers":["a/layer.tar"]}]', '{}', ''),
  fc.string({ maxLength: 200 }),
);
const entry: fc.Arbitrary<TarEntry> = fc.oneof(
  fc.record({ name: entryName, data: entryData }),
  fc.record({ name: entryName, type: fc.constantFrom('symlink' as const, 'link' as const), linkname: entryName }),
  fc.record({ name: entryName, type: fc.constantFrom('directory' as const, 'fifo' as const, 'character-device' as const) }),
);

describe('fuzz: archive reader', () => {
  it('damaged archives (bytes changed, cut short) read or fail with a FerryError, never hang', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
        fc.option(fc.nat()),
        fc.integer({ min: 1, max: 70_000 }),
        async (changes, cut, chunk) => {
          const bytes = Buffer.from(valid);
          for (const [at, value] of changes) bytes[at % bytes.length] = value;
          await read(cut === null ? bytes : bytes.subarray(0, cut % bytes.length), chunk);
        },
      ),
    );
  });

  it('tars of arbitrary entries read or fail with a FerryError, never hang', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(entry, { maxLength: 8 }), fc.integer({ min: 1, max: 4096 }), async (entries, chunk) => {
        const bytes = await tarBytes(entries).catch(() => undefined);
        if (bytes) await read(bytes, chunk);
      }),
    );
  });
});
