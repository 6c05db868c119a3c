import { Transform, type TransformCallback } from 'node:stream';
import { FerryError } from '../errors.js';

/**
 * Decompression-bomb limit for layers (unpack, extract) and for compressed archives (import). Real layers
 * compress by 2–20×; only sparse or zero-filled files reach hundreds. A stream that inflates past `ratio` times
 * its compressed size is refused before it fills the disk. Small layers get a floor instead of the ratio, so a
 * 200-byte layer holding a 1 MiB zero file is not flagged.
 */
export const DEFAULT_MAX_DECOMPRESSION_RATIO = 1000;
/** Every layer may inflate to at least this many bytes, whatever its ratio. */
export const MIN_DECOMPRESSION_LIMIT = 64 * 1024 * 1024;
export const RATIO_ENV = 'FERRY_MAX_DECOMPRESSION_RATIO';

/** The ratio from `FERRY_MAX_DECOMPRESSION_RATIO` (a positive number, e.g. `1000`), else the default. */
export function maxDecompressionRatio(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[RATIO_ENV];
  if (raw === undefined || raw === '') return DEFAULT_MAX_DECOMPRESSION_RATIO;
  const ratio = Number(raw);
  if (!Number.isFinite(ratio) || ratio <= 0) {
    throw new FerryError('ERR_USAGE', `${RATIO_ENV}=${JSON.stringify(raw)} is not a positive number`, {
      hint: `set it to how many times its compressed size a layer may inflate to, e.g. ${DEFAULT_MAX_DECOMPRESSION_RATIO}`,
    });
  }
  return ratio;
}

/** How many uncompressed bytes a layer of `compressedSize` bytes may produce. */
export function decompressionLimit(compressedSize: number, ratio: number, floor = MIN_DECOMPRESSION_LIMIT): number {
  return Math.max(floor, Math.ceil(compressedSize * ratio));
}

/**
 * A pass-through for a layer's uncompressed bytes that fails with ERR_TOO_LARGE as soon as more than
 * `decompressionLimit(compressedSize, ratio, floor)` bytes have flowed through it. `compressedSize` may be a
 * function: a blob of unknown size (an archive entry hashed on the way in) is bounded by the compressed bytes read
 * so far.
 */
export class BombGuard extends Transform {
  private seen = 0;

  constructor(private readonly opts: { compressedSize: number | (() => number); ratio: number; floor?: number; where: string }) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.seen += chunk.length;
    const { compressedSize, ratio, floor = MIN_DECOMPRESSION_LIMIT, where } = this.opts;
    const compressed = typeof compressedSize === 'number' ? compressedSize : compressedSize();
    const limit = decompressionLimit(compressed, ratio, floor);
    if (this.seen <= limit) return done(null, chunk);
    done(
      new FerryError('ERR_TOO_LARGE', `${where} inflates to more than ${limit} bytes from ${compressed} compressed bytes (a decompression bomb?)`, {
        hint: `the limit is ${ratio}:1 of a layer's compressed size, at least ${floor} bytes; if the image is trusted, raise it with ${RATIO_ENV}`,
      }),
    );
  }
}
