import { Readable } from 'node:stream';
import { type Compression, SNIFF_BYTES, sniffCompression } from '../../oci/compression.js';

/**
 * Looks at the first bytes of an archive to tell a plain tar from a gzip- or zstd-compressed one, without
 * consuming them: returns a stream that still yields every byte (stdin cannot be reopened).
 */
export async function sniffArchiveCompression(input: Readable): Promise<{ compression: Compression; stream: Readable }> {
  const { head, ended } = await peek(input, SNIFF_BYTES);
  const compression = sniffCompression(head);
  if (ended) return { compression, stream: Readable.from(head.length > 0 ? [head] : []) };
  if (head.length > 0) input.unshift(head);
  return { compression, stream: input };
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
