import { PassThrough, Transform, type TransformCallback } from 'node:stream';
import { type Compression, createCompressor } from '../oci/compression.js';
import type { Descriptor } from '../oci/descriptor.js';
import { DigestingStream, type Expected } from '../oci/digest.js';
import { type LayerPlan, readLayer } from '../oci/layer-stream.js';
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
  const diff = new DigestingStream();
  const zeros = new ZeroScanner();
  const { compression, result: written } = await readLayer(
    source,
    layer,
    (): LayerPlan<Expected | undefined> => {
      if (!opts.to) return { stages: [diff, zeros], consume: async (tail) => void tail.resume() };
      const { sink } = opts.to;
      return { stages: [diff, zeros, createCompressor(opts.to.compression, `layer ${layer.digest}`), new PassThrough()], consume: (tail) => sink.writeUnknown(tail) };
    },
    opts.sizeKnown === undefined ? {} : { sizeKnown: opts.sizeKnown },
  );
  return { compression, diffID: diff.digest.digest, allZero: zeros.allZero, ...(written ? { written } : {}) };
}

/** Notes whether anything but zero bytes passes through. */
class ZeroScanner extends Transform {
  allZero = true;
  override _transform(chunk: Buffer, _e: BufferEncoding, done: TransformCallback): void {
    if (this.allZero && chunk.some((b) => b !== 0)) this.allZero = false;
    done(null, chunk);
  }
}
