import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type Compression, SNIFF_BYTES, sniffCompression } from './compression.js';

/**
 * Looks at the first bytes of a stream (an archive, a layer blob) to tell plain content from gzip- or
 * zstd-compressed content, without consuming them: returns a stream that still yields every byte (stdin cannot
 * be reopened).
 */
export async function sniffStream(input: Readable): Promise<{ compression: Compression; head: Buffer; stream: Readable }> {
  const { head, ended } = await peek(input, SNIFF_BYTES);
  // The peeked bytes, then the rest. (`unshift` loses data when the source has already ended; an async
  // generator here halves the throughput.) Errors travel both ways: pipeline destroys one with the other.
  const stream = new PassThrough();
  if (ended) {
    stream.end(head);
  } else {
    stream.write(head);
    pipeline(input, stream).catch(() => {
      // Reported through `stream`, which pipeline destroyed with the same error.
    });
  }
  return { compression: sniffCompression(head), head, stream };
}

/** Reads at least `n` bytes (fewer only at the end of the stream) and leaves the stream paused. */
function peek(input: Readable, n: number): Promise<{ head: Buffer; ended: boolean }> {
  return new Promise((resolve, reject) => {
    if (input.readableEnded) return resolve({ head: Buffer.alloc(0), ended: true });
    const chunks: Buffer[] = [];
    let length = 0;
    const cleanup = () => {
      input.off('readable', onReadable);
      input.off('end', onEnd);
      input.off('error', onError);
    };
    const finish = (ended: boolean) => {
      cleanup();
      resolve({ head: Buffer.concat(chunks), ended });
    };
    const onReadable = () => {
      let chunk: Buffer | string | null;
      while (length < n && (chunk = input.read() as Buffer | string | null) !== null) {
        const bytes = Buffer.from(chunk);
        chunks.push(bytes);
        length += bytes.length;
      }
      if (length >= n) finish(false);
    };
    const onEnd = () => finish(true);
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    input.on('readable', onReadable);
    input.once('end', onEnd);
    input.once('error', onError);
  });
}
