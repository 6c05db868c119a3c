import type { Duplex, Readable, TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FerryError, isFerryError } from '../errors.js';
import { type Compression, createDecompressor, refuseUnsupportedCompression } from './compression.js';
import type { Descriptor } from './descriptor.js';
import { DigestingStream, VerifyingStream } from './digest.js';
import { nextTurnStage } from './next-turn-stage.js';
import { sniffStream } from './sniff-stream.js';
import type { ContentSource } from './transport.js';

/** What a reader of a layer does with its uncompressed tar, decided once its compression is known. */
export interface LayerPlan<T> {
  /** Streams the uncompressed tar passes through, in order (digesters, guards, a compressor…). */
  stages: Duplex[];
  /** Reads what comes out of the last stage (or, with no stages, the uncompressed tar) to its end. */
  consume(tail: Readable): Promise<T>;
}

/**
 * Reads a layer blob once: fetches it, checks it against its descriptor (digest, and size unless `sizeKnown` is
 * false — schema1 manifests record none), decompresses it by what its first bytes say (never by media type) and
 * runs it through the stages `plan` returns for that compression. Everything streams. On failure every stage is
 * stopped and the failure that caused the others is thrown: a blob that fails verification explains whatever the
 * later stages made of it.
 */
export async function readLayer<T>(
  source: ContentSource,
  layer: Descriptor,
  plan: (compression: Compression) => LayerPlan<T>,
  opts: { sizeKnown?: boolean } = {},
): Promise<{ compression: Compression; result: T }> {
  const where = `layer ${layer.digest}`;
  const fetched = await source.fetch(layer);
  const verifier = opts.sizeKnown === false ? new DigestCheck(layer.digest, where) : new VerifyingStream({ digest: layer.digest, size: layer.size }, where);
  const running: Promise<unknown>[] = [pipeline(fetched, verifier)];
  const streams: Readable[] = [fetched, verifier];
  try {
    const verified = await sniffStream(verifier);
    const { compression } = verified;
    if (compression === 'none') refuseUnsupportedCompression(verified.head, where);
    const decompressor = createDecompressor(compression, where);
    const decompressed = nextTurnStage();
    streams.push(verified.stream, decompressor, decompressed);
    // The plan's stages are created before any of them runs, so one that cannot be made fails before anything is written.
    const { stages, consume } = plan(compression);
    streams.push(...stages);
    running.push(pipeline([verified.stream, decompressor, decompressed, ...stages]));
    const result = consume(stages.at(-1) ?? decompressed);
    running.push(result);
    for (const task of running) task.catch(() => {});
    await Promise.all(running);
    return { compression, result: await result };
  } catch (err) {
    for (const stream of streams) stream.destroy();
    const reasons = (await Promise.allSettled(running)).flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
    throw rootCause([...reasons, err]);
  }
}

/** Checks the digest of a blob whose size nobody recorded (schema1 manifests carry none). */
class DigestCheck extends DigestingStream {
  constructor(
    private readonly expected: string,
    private readonly where: string,
  ) {
    super();
  }

  override _flush(done: TransformCallback): void {
    super._flush((err) => {
      if (err || this.digest.digest === this.expected) return done(err);
      done(
        new FerryError('ERR_DIGEST_MISMATCH', `content of ${this.where} has digest ${this.digest.digest}, expected ${this.expected}`, {
          digest: this.expected,
          hint: 'the source is corrupt or was tampered with; fetch or export it again',
        }),
      );
    });
  }
}

/**
 * The failure that caused the others: a FerryError first, then anything else, but never the "premature close" a
 * stage sees when another one fails, nor a FerryError that only wraps one (a decompressor cut off by a later
 * stage reports "gzip data is corrupt (Premature close)", which would hide that stage's real reason).
 */
function rootCause(errors: unknown[]): unknown {
  const echo = (e: unknown) => isPrematureClose(e) || (isFerryError(e) && isPrematureClose(e.cause));
  return errors.find((e) => isFerryError(e) && !echo(e)) ?? errors.find((e) => !echo(e)) ?? errors[0];
}

function isPrematureClose(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'ERR_STREAM_PREMATURE_CLOSE';
}
