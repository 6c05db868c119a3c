import { type Duplex, Transform, type TransformCallback } from 'node:stream';
import { FerryError } from '../../errors.js';
import { corrupt } from './errors.js';
import type { ZstdNapiBinding } from './napi-binding.js';
import { steppedDecoderStream } from './stepped-decoder.js';

/**
 * Decompresses with libzstd through zstd-napi (≈ 940 MB/s). Each native call writes at most one output
 * buffer (128 KiB), so the stepped stream can stop between calls when the reader is behind. Each call blocks
 * the event loop only for that buffer's worth of work.
 */
export function createNapiZstdDecompressStream(binding: ZstdNapiBinding, where: string): Duplex {
  const dctx = new binding.DCtx();
  const outSize = binding.dStreamOutSize();
  // libzstd returns 0 exactly when a frame has been decoded and flushed; anything else at the end is a cut.
  let inFrame = false;
  // Kept until something is written into it: small input chunks often produce nothing, and a fresh 128 KiB buffer
  // per call would dominate the cost.
  let out = Buffer.allocUnsafe(outSize);
  return steppedDecoderStream({
    step(input) {
      const [hint, produced, consumed] = dctx.decompressStream(out, input);
      // A call that neither read nor wrote says nothing about frame state (libzstd then asks for a new header).
      if (produced > 0 || consumed > 0) inFrame = hint !== 0;
      if (produced === 0) return { output: [], consumed, more: false };
      const output = out.subarray(0, produced);
      out = Buffer.allocUnsafe(outSize);
      return { output: [output], consumed, more: produced === outSize };
    },
    finish() {
      if (inFrame) throw corrupt(where, 'zstd', new Error('input ended inside a frame'), true);
      return [];
    },
    failure: (err) => (err instanceof FerryError ? err : corrupt(where, 'zstd', err)),
  });
}

/** Compresses with libzstd through zstd-napi; writes a content checksum like the zstd CLI does. */
export class NapiZstdCompressStream extends Transform {
  private readonly cctx: InstanceType<ZstdNapiBinding['CCtx']>;
  private readonly outSize: number;

  constructor(
    private readonly binding: ZstdNapiBinding,
    level: number,
  ) {
    super();
    this.cctx = new binding.CCtx();
    this.cctx.setParameter(binding.CParameter.compressionLevel, level);
    this.cctx.setParameter(binding.CParameter.checksumFlag, 1);
    this.outSize = binding.cStreamOutSize();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (chunk.length === 0) return done();
    try {
      this.compress(chunk, this.binding.EndDirective.continue);
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      this.compress(Buffer.alloc(0), this.binding.EndDirective.end);
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  /** Output is smaller than input, so a chunk's output is pushed in one go. */
  private compress(input: Buffer, directive: number): void {
    let rest = input;
    for (;;) {
      const out = Buffer.allocUnsafe(this.outSize);
      const [remaining, produced, consumed] = this.cctx.compressStream2(out, rest, directive);
      if (produced > 0) this.push(out.subarray(0, produced));
      rest = rest.subarray(consumed);
      const finished = directive === this.binding.EndDirective.end ? remaining === 0 : rest.length === 0;
      if (finished) return;
    }
  }
}
