import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { FerryError, isFerryError } from '../errors.js';
import { isDigest } from '../oci/digest.js';
import { EntryBatches } from './entry-batches.js';
import type { ApplyStats } from './layer-applier.js';
import { LayerWorkerHost } from './layer-worker-host.js';

export type { ApplyStats } from './layer-applier.js';

export interface ApplyOptions {
  /** The layer, for messages: its digest or a short name. */
  where: string;
  /** Apply ownership and setuid/setgid bits; defaults to whether the process runs as root. */
  isRoot?: boolean;
  /** Called once per kind of thing the layer asked for that could not be done. */
  onWarning?(message: string): void;
  /** Called after each entry is applied (for progress displays). */
  onEntry?(): void;
  /** The worker thread to apply with, shared by an image's layers; without it the layer gets its own. */
  worker?: LayerWorkerHost;
}

/** A tar-stream entry as it really arrives: unknown type flags come through as null, PAX records as strings. */
interface TarEntry extends AsyncIterable<Buffer> {
  header: Omit<tar.Header, 'type' | 'pax'> & { type: tar.Header['type'] | null; pax?: Record<string, string> | null };
}

/**
 * Applies one layer (an uncompressed OCI changeset tar) on top of `rootfs` (see layer-applier.ts for the rules).
 * Two threads share the work, as tar and gzip do in two processes: this one reads, decompresses, hashes and
 * parses; the layer worker (`opts.worker`, or one of its own) applies the entries with synchronous filesystem
 * calls. The promise settles once the worker has applied the whole layer, or on failure once the worker has
 * exited; the rootfs is then left partly applied — every entry before the failing one applied, nothing after —
 * so callers that need all-or-nothing unpack into a temporary directory (see snapshot.ts).
 */
export async function applyLayer(rootfs: string, tarStream: Readable, opts: ApplyOptions): Promise<ApplyStats> {
  const worker = opts.worker ?? new LayerWorkerHost();
  worker.startLayer({ rootfs, where: opts.where, isRoot: opts.isRoot ?? process.getuid?.() === 0 }, (entries, data) => {
    batches.reuse(data);
    for (let i = 0; i < entries; i++) opts.onEntry?.();
  });
  const batches = new EntryBatches((batch) => worker.send(batch));
  const extract = tar.extract();
  // Errors of the input (a failed download, a digest mismatch) pass through as they are; only the parser's own
  // plain Errors are turned into "not a valid tar".
  // pipeline hands the first error to the other stream too; whichever stream failed first owns it.
  let inputError: unknown;
  let parserError: unknown;
  tarStream.once('error', (err) => (inputError ??= err));
  extract.once('error', (err: unknown) => (parserError = inputError === undefined ? err : undefined));
  const feeding = pipeline(tarStream, extract);
  // Awaited below; an early failure also surfaces through the entry loop, so it must not count as unhandled.
  feeding.catch(() => {});
  try {
    for await (const entry of extract) {
      const { header } = entry as unknown as TarEntry;
      const packed = batches.header(header);
      if (packed) await packed;
      for await (const chunk of entry as unknown as TarEntry) {
        const copied = batches.content(chunk);
        if (copied) await copied;
      }
    }
    await feeding;
    await batches.flush();
  } catch (err) {
    // An entry whose data stops early only sees its stream destroyed; the tar stream knows why.
    const fed = await feeding.then(
      () => undefined,
      (e: unknown) => e,
    );
    const cause = isStreamTeardown(err) && fed !== undefined ? fed : err;
    // The worker's failure is about an entry before this one (or is why this side stopped): it comes first.
    const applyError = await worker.stop();
    throw applyError ?? (cause === inputError && cause !== parserError ? cause : asLayerError(cause, opts.where));
  }
  const applied = await worker.finish();
  if (!opts.worker) await worker.close();
  for (const message of applied.warnings) opts.onWarning?.(message);
  return applied.stats;
}

/** Errors of the tar stream itself (tar-stream throws plain Errors) become FerryErrors naming the layer. */
function asLayerError(err: unknown, where: string): unknown {
  if (isFerryError(err) || !(err instanceof Error) || (err as NodeJS.ErrnoException).code !== undefined) return err;
  const truncated = /unexpected end/i.test(err.message);
  return new FerryError(truncated ? 'ERR_TRUNCATED' : 'ERR_INVALID_DOCUMENT', `layer ${where} is ${truncated ? 'a truncated' : 'not a valid'} tar archive (${err.message})`, {
    ...(isDigest(where) ? { digest: where } : {}),
    hint: 'the layer is damaged; fetch or export the image again',
    cause: err,
  });
}

function isStreamTeardown(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'STREAM_DESTROYED' || code === 'ERR_STREAM_PREMATURE_CLOSE';
}
