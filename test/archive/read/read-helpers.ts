import { Readable } from 'node:stream';
import { expect } from 'vitest';
import type { ErrorCode } from '../../../src/errors.js';
import { FerryError } from '../../../src/errors.js';
import { type ArchiveContents, readArchive } from '../../../src/archive/read/index.js';
import { MemoryContent } from '../../helpers/memory-content.js';
import { readTar, type TarEntry, tarBytes } from '../../helpers/tar.js';

/** Splits bytes into chunks, as a pipe or stdin delivers them. */
export function chunked(bytes: Buffer, size = 64 * 1024): Readable {
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  return Readable.from(chunks, { objectMode: false });
}

export async function read(bytes: Buffer, chunkSize?: number): Promise<{ contents: ArchiveContents; sink: MemoryContent }> {
  const sink = new MemoryContent();
  const contents = await readArchive(chunked(bytes, chunkSize), sink, { where: 'test.tar' });
  return { contents, sink };
}

export async function expectReadError(bytes: Buffer, code: ErrorCode): Promise<FerryError> {
  const err = await read(bytes).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FerryError);
  expect((err as FerryError).code, (err as Error).message).toBe(code);
  return err as FerryError;
}

/** Rewrites an archive with extra entries at the end (e.g. a `repositories` file). */
export async function withEntries(archive: Buffer, extra: TarEntry[]): Promise<Buffer> {
  const entries = await readTar(archive);
  return tarBytes([...entries.map((e) => ({ name: e.name, type: e.type as TarEntry['type'], data: e.data, ...(e.linkname ? { linkname: e.linkname } : {}) })), ...extra]);
}

/** Every blob the reader reports is in the sink with that size, and every sink blob is reported. */
export function expectBlobsInSink(contents: ArchiveContents, sink: MemoryContent): void {
  for (const [digest, size] of contents.blobs) expect(sink.blobs.get(digest)?.length, digest).toBe(size);
  expect(new Set(sink.blobs.keys())).toEqual(new Set(contents.blobs.keys()));
}
