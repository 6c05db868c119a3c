import { Transform, type TransformCallback } from 'node:stream';

/** Room for a few decompressed chunks while the consumer is busy (the decompressors emit 256 KiB at a time). */
const HAND_OFF_BYTES = 1024 * 1024;

/**
 * Passes chunks through, each handed on in a microtask rather than in the writer's own call. Node's zlib streams
 * inflate on the thread pool, but push each output chunk synchronously, and only once that push returns do they
 * give the pool the next piece of input: everything downstream (hashing, tar parsing) ran while the pool sat idle,
 * so decompression and consumption took turns instead of overlapping. Behind this stage the push returns at once,
 * the pool inflates the next block while this thread consumes the last one (measured on two layers of 72,000
 * small files: wall time of read, inflate, hash and a copying consumer 5.8–6.0 s → 5.1–5.6 s, same CPU).
 */
export function nextTurnStage(): Transform {
  return new Transform({
    writableHighWaterMark: HAND_OFF_BYTES,
    transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) {
      queueMicrotask(() => done(null, chunk));
    },
  });
}
