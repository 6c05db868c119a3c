import { PassThrough, Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FerryError, isFerryError } from '../errors.js';
import { type Compression, createCompressor, createDecompressor, SNIFF_BYTES, sniffCompression } from '../oci/compression.js';
import type { Descriptor } from '../oci/descriptor.js';
import { DigestingStream, type Expected, VerifyingStream } from '../oci/digest.js';
import type { BlobSink, ContentSource } from '../oci/transport.js';

/** What one pass over a layer learned. */
export interface LayerFacts {
  /** Compression of the blob as read, from its first bytes. */
  compression: Compression;
  /** sha256 of the uncompressed tar. */
  diffID: string;
  /** True when the uncompressed content is nothing but zero bytes (an empty tar is 1024 of them). */
  allZero: boolean;
  /** The blob written in the new compression, when one was asked for. */
  written?: Expected;
}

/**
 * Reads a layer blob once, checked against `expected` (a digest, and a size when known), decompresses it by
 * what its first bytes say, and computes its diffID; with `to`, compresses it again and writes the result to
 * `sink`, its digest computed while writing. Everything streams: memory does not grow with the layer.
 */
export async function transcodeLayer(
  source: ContentSource,
  layer: Descriptor,
  opts: { to?: { compression: Compression; sink: BlobSink }; sizeKnown?: boolean } = {},
): Promise<LayerFacts> {
  const where = `layer ${layer.digest}`;
  const fetched = await source.fetch(layer);
  const verifier = opts.sizeKnown === false ? new DigestCheck(layer.digest, where) : new VerifyingStream({ digest: layer.digest, size: layer.size }, where);
  const running: Promise<unknown>[] = [pipeline(fetched, verifier)];
  const stages: Readable[] = [fetched, verifier];
  try {
    const verified = await withHead(verifier, SNIFF_BYTES);
    const compression = sniffCompression(verified.head);
    const decompressor = createDecompressor(compression, where);
    const diff = new DigestingStream();
    const zeros = new ZeroScanner();
    // Created before any stage runs, so a missing compressor fails before anything is written.
    const compressor = opts.to ? createCompressor(opts.to.compression, where) : undefined;
    stages.push(verified.stream, decompressor, diff, zeros);
    let written: Promise<Expected> | undefined;
    if (compressor && opts.to) {
      const out = new PassThrough();
      stages.push(compressor, out);
      running.push(pipeline(verified.stream, decompressor, diff, zeros, compressor, out));
      written = opts.to.sink.writeUnknown(out);
      running.push(written);
    } else {
      running.push(pipeline(verified.stream, decompressor, diff, zeros, new PassThrough().resume()));
    }
    for (const task of running) task.catch(() => {});
    await Promise.all(running);
    return { compression, diffID: diff.digest.digest, allZero: zeros.allZero, ...(written ? { written: await written } : {}) };
  } catch (err) {
    for (const stream of stages) stream.destroy();
    const reasons = (await Promise.allSettled(running)).flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
    throw rootCause([...reasons, err]);
  }
}

/** Notes whether anything but zero bytes passes through. */
class ZeroScanner extends Transform {
  allZero = true;
  override _transform(chunk: Buffer, _e: BufferEncoding, done: TransformCallback): void {
    if (this.allZero && chunk.some((b) => b !== 0)) this.allZero = false;
    done(null, chunk);
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

/** Reads at least `bytes` bytes (fewer at the end), then returns them and a stream that replays everything. */
async function withHead(stream: Readable, bytes: number): Promise<{ head: Buffer; stream: Readable }> {
  const iterator = stream[Symbol.asyncIterator]() as AsyncIterableIterator<Buffer>;
  const chunks: Buffer[] = [];
  let length = 0;
  while (length < bytes) {
    const next = await iterator.next();
    if (next.done) break;
    chunks.push(next.value);
    length += next.value.length;
  }
  const head = Buffer.concat(chunks);
  async function* replay(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    yield* iterator;
  }
  return { head, stream: Readable.from(replay(), { objectMode: false }) };
}

/** A FerryError first (in stage order: a bad blob explains what later stages made of it), else the first real error. */
function rootCause(errors: unknown[]): unknown {
  return (
    errors.find((e) => isFerryError(e)) ??
    errors.find((e) => (e as NodeJS.ErrnoException | undefined)?.code !== 'ERR_STREAM_PREMATURE_CLOSE') ??
    errors[0]
  );
}
