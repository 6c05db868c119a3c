import { once } from 'node:events';
import { type Duplex, PassThrough, Transform, type TransformCallback, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FerryError } from '../errors.js';
import { BombGuard } from './bomb-guard.js';
import { type Compression, createDecompressor, refuseUnsupportedCompression, SNIFF_BYTES, sniffCompression } from './compression.js';
import { DigestingStream } from './digest.js';

/**
 * What a blob's bytes decompress to: for a compressed blob the sha256 of its decompressed content, or why it could
 * not be decompressed (kept, not thrown: only a blob that turns out to be a layer is judged by it). An uncompressed
 * blob is its own uncompressed content, so its digest is the blob's.
 */
export type UncompressedDigest =
  | { compression: 'none' }
  | { compression: Exclude<Compression, 'none'>; digest: string }
  | { compression: Compression; error: unknown };

/**
 * A pass-through that also decompresses what flows through it, on the side, and digests the result: a reader that
 * hashes a blob once learns its diffID in the same pass (verify reads an archive once, stdin included). The side
 * is bounded like unpack (BombGuard) and holds the main stream back when it falls behind, so memory stays flat; it
 * never fails the main stream.
 */
export class UncompressedDigestTap extends Transform {
  private head: Buffer[] = [];
  private headLength = 0;
  private compressedSeen = 0;
  private side?: { input: PassThrough; done: Promise<void> };
  private outcome?: UncompressedDigest;

  constructor(private readonly opts: { where: string; ratio: number; floor?: number; compressedSize?: number }) {
    super();
  }

  /** Valid once the stream has ended. */
  get result(): UncompressedDigest {
    if (!this.outcome) throw new Error('UncompressedDigestTap: result read before the stream ended');
    return this.outcome;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.compressedSeen += chunk.length;
    this.push(chunk);
    if (this.outcome) return done();
    if (this.side) return void this.feed(chunk).then(() => done());
    this.head.push(chunk);
    this.headLength += chunk.length;
    if (this.headLength < SNIFF_BYTES) return done();
    const head = Buffer.concat(this.head);
    this.head = [];
    this.start(head);
    void this.feed(head).then(() => done());
  }

  override _flush(done: TransformCallback): void {
    if (!this.side && !this.outcome) this.start(Buffer.concat(this.head));
    if (this.head.length > 0) void this.feed(Buffer.concat(this.head));
    this.head = [];
    if (!this.side) return done();
    // A side that failed has its outcome already; its input is destroyed and takes no end.
    if (!this.outcome) this.side.input.end();
    void this.side.done.then(() => done());
  }

  override _destroy(err: Error | null, done: (error?: Error | null) => void): void {
    // A blob cut off upstream stops its side too, which then never reports a digest for content it did not see.
    this.side?.input.destroy();
    done(err);
  }

  /** Decides by the first bytes, as readLayer does: plain content needs no side, gzip and zstd are decompressed. */
  private start(head: Buffer): void {
    const compression = sniffCompression(head);
    if (compression === 'none') {
      try {
        refuseUnsupportedCompression(head, this.opts.where);
        this.outcome = { compression };
      } catch (error) {
        this.outcome = { compression, error };
      }
      return;
    }
    let decompressor: Duplex;
    try {
      decompressor = createDecompressor(compression, this.opts.where);
    } catch (error) {
      // A forced zstd backend that is not there: the blob's outcome, not an exception thrown out of a write.
      this.outcome = { compression, error };
      return;
    }
    const input = new PassThrough();
    const digester = new DigestingStream();
    const guard = new BombGuard({
      compressedSize: this.opts.compressedSize ?? (() => this.compressedSeen),
      ratio: this.opts.ratio,
      where: this.opts.where,
      ...(this.opts.floor === undefined ? {} : { floor: this.opts.floor }),
    });
    const drain = new Writable({ write: (_chunk, _enc, next) => next() });
    const done = pipeline(input, decompressor, guard, digester, drain).then(
      () => {
        this.outcome = { compression, digest: digester.digest.digest };
      },
      (error: unknown) => {
        this.outcome = { compression, error };
      },
    );
    this.side = { input, done };
  }

  /** Hands a chunk to the side; resolves when it may take more (or has failed, which stops it taking any). */
  private async feed(chunk: Buffer): Promise<void> {
    const side = this.side;
    if (!side || this.outcome || chunk.length === 0) return;
    if (side.input.write(chunk)) return;
    await Promise.race([once(side.input, 'drain').catch(() => undefined), side.done]);
  }
}

/** The diffID a blob's bytes give (an uncompressed blob's is its own digest); throws why they give none. */
export function diffIDOf(learnt: UncompressedDigest, blobDigest: string): string {
  if ('error' in learnt) throw learnt.error;
  return learnt.compression === 'none' ? blobDigest : learnt.digest;
}

/**
 * The one error for a layer whose uncompressed content is not the diffID its config claims, as verify and fsck
 * report it. `where` names the image, platform and layer.
 */
export function diffIDMismatch(where: string, layer: string, actual: string, claimed: string): FerryError {
  return new FerryError('ERR_DIGEST_MISMATCH', `${where} decompresses to diffID ${actual}, but the config's rootfs.diff_ids says ${claimed}`, {
    digest: layer,
    hint: 'the config does not describe its layers (corrupt or tampered with): do not import this archive; export it again from a trusted source',
  });
}
