import { Transform } from 'node:stream';

/** Passes bytes through, reporting how many have been read so far (for a progress display). */
export function readProgress(onProgress: (read: number, total?: number) => void, total?: number): Transform {
  let read = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      read += chunk.length;
      onProgress(read, total);
      done(null, chunk);
    },
  });
}
