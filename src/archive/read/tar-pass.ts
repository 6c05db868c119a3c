/**
 * One read of an archive's tar stream, whatever its compression, under the archive's bounds (archive-budget.ts)
 * and stopping at the end-of-archive marker: each entry goes to `add` in order. The scan that writes blobs and
 * the survey that only learns what images reference both read archives this way.
 */
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { FerryError, isFerryError } from '../../errors.js';
import { createDecompressor, refuseUnsupportedCompression } from '../../oci/compression.js';
import { sniffStream } from '../../oci/sniff-stream.js';
import { ArchiveBudget, ByteCounter } from './archive-budget.js';
import { EndOfArchive } from './end-of-archive.js';

/** A tar-stream entry as it really arrives: unknown type flags come through as null. */
export interface TarEntry {
  header: Omit<tar.Header, 'type'> & { type: tar.Header['type'] | null };
  resume(): unknown;
}

export interface ScanLimits {
  /** The archive file's size, when known (not for stdin): a compressed archive's inflation is measured against it. */
  knownSize?: number;
  /** Cap on the archive's tar bytes (see archive-budget.ts). */
  maxBytes: number;
  /** How many times its compressed size a compressed archive may inflate to. */
  ratio: number;
}

/** Reads `input` to its end-of-archive marker; `handlerFor` learns whether it is compressed before the first entry. */
export async function passOverTar(
  input: Readable,
  where: string,
  limits: ScanLimits,
  handlerFor: (compressed: boolean) => (entry: TarEntry) => Promise<void>,
): Promise<void> {
  const { compression, head, stream } = await sniffStream(input);
  try {
    if (compression === 'none') refuseUnsupportedCompression(head, where);
  } catch (err) {
    stream.destroy();
    throw err;
  }
  const extract = tar.extract();
  const end = new EndOfArchive();
  const counter = new ByteCounter();
  const compressed = () => Math.max(limits.knownSize ?? 0, counter.bytes);
  const budget = new ArchiveBudget({ where, maxBytes: limits.maxBytes, ...(compression === 'none' ? {} : { inflation: { ratio: limits.ratio, compressedBytes: compressed } }) });
  const stages = compression === 'none' ? [stream, budget, end, extract] : [stream, counter, createDecompressor(compression, where), budget, end, extract];
  const piped = pipeline(stages as unknown as [Readable, NodeJS.WritableStream]).then(
    () => undefined,
    (err: unknown) => err,
  );
  const add = handlerFor(compression !== 'none');
  try {
    for await (const entry of extract) await add(entry as unknown as TarEntry);
  } catch (err) {
    // Leaving the loop destroys the extractor; make sure the source is released too, then wait for the pipe.
    extract.destroy();
    input.destroy();
    await piped;
    throw tarStreamError(err, where);
  }
  // Past the end-of-archive marker: wait for the input's end unless more than padding follows it (/dev/zero).
  const outcome = await Promise.race([piped, end.stopped.then(() => 'stopped' as const)]);
  if (outcome === 'stopped') {
    input.destroy();
    await piped;
    return;
  }
  if (outcome !== undefined) throw tarStreamError(outcome, where);
}

/** tar-stream reports malformed input with plain Errors; give them codes. */
function tarStreamError(err: unknown, where: string): unknown {
  if (isFerryError(err) || !(err instanceof Error)) return err;
  if (err.message === 'Unexpected end of data') {
    return new FerryError('ERR_TRUNCATED', `${where}: the tar archive ends in the middle of an entry`, {
      path: where,
      hint: 'the archive is incomplete; copy or export it again',
      cause: err,
    });
  }
  if (/^Invalid (tar )?header|Header exceeds max size/.test(err.message)) {
    return new FerryError('ERR_UNSUPPORTED_ARCHIVE', `${where} is not a tar archive (${err.message})`, {
      path: where,
      hint: 'ferry imports tar archives (optionally gzip- or zstd-compressed) written by docker save, ferry export, skopeo or containerd',
      cause: err,
    });
  }
  return err;
}
