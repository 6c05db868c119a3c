import type { TransformCallback } from 'node:stream';
import { Decompress as PureJsZstd } from 'fzstd';
import { corrupt } from './errors.js';
import { SlicedDecoder } from './sliced-decoder.js';

/** Input is fed to fzstd in slices this small, so one step's output is at most 512 × 32 KiB = 16 MiB. */
const ZSTD_SLICE = 512;

/** The pure-JS decoder (≈ 200 MB/s): works on every Node, used when no native zstd is there. */
export class PureJsZstdStream extends SlicedDecoder {
  private readonly decoder: PureJsZstd;
  private sawInput = false;

  constructor(private readonly where: string) {
    super();
    this.decoder = new PureJsZstd((data) => {
      if (data.length > 0) this.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    });
  }

  protected step(chunk: Buffer, offset: number): { offset: number; more: boolean } {
    this.sawInput = true;
    this.decoder.push(chunk.subarray(offset, offset + ZSTD_SLICE));
    return { offset: offset + ZSTD_SLICE, more: false };
  }

  protected failure(err: unknown): Error {
    return corrupt(this.where, 'zstd', err);
  }

  override _flush(done: TransformCallback): void {
    try {
      if (this.sawInput) this.decoder.push(new Uint8Array(0), true);
      done();
    } catch (err) {
      done(corrupt(this.where, 'zstd', err));
    }
  }
}
