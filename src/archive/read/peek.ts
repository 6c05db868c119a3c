import { Readable } from 'node:stream';
import { type Compression, SNIFF_BYTES, sniffCompression } from '../../oci/compression.js';

/**
 * Looks at the first bytes of an archive to tell a plain tar from a gzip- or zstd-compressed one, without
 * consuming them: returns a stream that still yields every byte (stdin cannot be reopened).
 */
export async function sniffArchiveCompression(input: Readable): Promise<{ compression: Compression; stream: Readable }> {
  const head = await peek(input, SNIFF_BYTES);
  return { compression: sniffCompression(head), stream: Readable.from(replay(head, input), { objectMode: false }) };
}

/** The peeked bytes, then the rest. (`unshift` loses data when the source has already ended.) */
async function* replay(head: Buffer, rest: Readable): AsyncGenerator<Buffer> {
  if (head.length > 0) yield head;
  for await (const chunk of rest) yield Buffer.from(chunk as Buffer | string);
}

/** Reads at least `n` bytes (fewer only at the end of the stream) and leaves the stream paused. */
function peek(input: Readable, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (input.readableEnded) return resolve(Buffer.alloc(0));
    const chunks: Buffer[] = [];
    let length = 0;
    const cleanup = () => {
      input.off('readable', onReadable);
      input.off('end', onEnd);
      input.off('error', onError);
    };
    const finish = () => {
      cleanup();
      resolve(Buffer.concat(chunks));
    };
    const onReadable = () => {
      let chunk: Buffer | string | null;
      while (length < n && (chunk = input.read() as Buffer | string | null) !== null) {
        const bytes = Buffer.from(chunk);
        chunks.push(bytes);
        length += bytes.length;
      }
      if (length >= n) finish();
    };
    const onEnd = () => finish();
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    input.on('readable', onReadable);
    input.once('end', onEnd);
    input.once('error', onError);
  });
}
