import { Transform, type TransformCallback } from 'node:stream';

/**
 * A Transform for decoders that turn a little input into a lot of output (one zstd byte can stand for 32 KiB).
 * Each input chunk is handed to `step` repeatedly; every step pushes a bounded amount of output, and no
 * further step runs while the reader's buffer is full. Memory therefore stays near the high-water mark plus
 * one step's output however well the input compresses (a "zstd bomb" cannot fill memory). Empty chunks are
 * dropped: some decoders misread them as the start of a new frame.
 */
export abstract class SlicedDecoder extends Transform {
  /** Continues the current chunk once the reader has drained the buffer. */
  private resumeFeed: (() => void) | undefined;

  /**
   * Decodes some of `chunk` from `offset`, pushing what it produces, and returns the new offset. Returning
   * `chunk.length` with `more` false means the chunk is used up; `more` true asks for another step at the
   * same place (output still pending inside the decoder).
   */
  protected abstract step(chunk: Buffer, offset: number): { offset: number; more: boolean };

  /** Turns a decoder exception into the error the stream fails with. */
  protected abstract failure(err: unknown): Error;

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (chunk.length === 0) return done();
    this.feed(chunk, 0, done);
  }

  private feed(chunk: Buffer, from: number, done: TransformCallback): void {
    try {
      let offset = from;
      for (;;) {
        const result = this.step(chunk, offset);
        offset = result.offset;
        if (offset >= chunk.length && !result.more) break;
        if (this.readableLength >= this.readableHighWaterMark) {
          this.resumeFeed = () => this.feed(chunk, offset, done);
          return;
        }
      }
    } catch (err) {
      return done(this.failure(err));
    }
    done();
  }

  override _read(size: number): void {
    const resume = this.resumeFeed;
    this.resumeFeed = undefined;
    if (resume) resume();
    else super._read(size);
  }
}
