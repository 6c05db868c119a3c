import { Transform, type TransformCallback } from 'node:stream';
import { corrupt } from './errors.js';
import type { ZstdNapiBinding } from './napi-binding.js';
import { SlicedDecoder } from './sliced-decoder.js';

/**
 * Decompresses with libzstd through zstd-napi (≈ 940 MB/s). Each native call writes at most one output
 * buffer (128 KiB), so the sliced feeder can stop between calls when the reader is behind. Each call blocks
 * the event loop only for that buffer's worth of work.
 */
export class NapiZstdDecompressStream extends SlicedDecoder {
  private readonly dctx: InstanceType<ZstdNapiBinding['DCtx']>;
  private readonly outSize: number;
  /** libzstd returns 0 exactly when a frame has been decoded and flushed; anything else at the end is a cut. */
  private inFrame = false;

  constructor(
    binding: ZstdNapiBinding,
    private readonly where: string,
  ) {
    super();
    this.dctx = new binding.DCtx();
    this.outSize = binding.dStreamOutSize();
  }

  protected step(chunk: Buffer, offset: number): { offset: number; more: boolean } {
    const out = Buffer.allocUnsafe(this.outSize);
    const [hint, produced, consumed] = this.dctx.decompressStream(out, chunk.subarray(offset));
    if (produced > 0) this.push(out.subarray(0, produced));
    // A call that neither read nor wrote says nothing about frame state (libzstd then asks for a new header).
    if (produced > 0 || consumed > 0) this.inFrame = hint !== 0;
    return { offset: offset + consumed, more: produced === out.length };
  }

  protected failure(err: unknown): Error {
    return corrupt(this.where, 'zstd', err);
  }

  override _flush(done: TransformCallback): void {
    done(this.inFrame ? corrupt(this.where, 'zstd', new Error('input ended inside a frame'), true) : undefined);
  }
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
