import type { Transform } from 'node:stream';
import { FerryError } from '../../errors.js';

/** The compression names used in messages; the same values as `Compression` in ../compression.ts. */
type Kind = 'none' | 'gzip' | 'zstd';

/**
 * A decoder failure as a FerryError naming the file. `truncated` is forced by decoders that detect the end
 * of input themselves; otherwise it is read from the message (zlib says "unexpected end of file", fzstd
 * "unexpected EOF").
 */
export function corrupt(where: string, kind: Kind, err: unknown, truncated?: boolean): FerryError {
  const reason = err instanceof Error ? err.message : String(err);
  const cut = truncated ?? /unexpected (end|eof)|truncat/i.test(reason);
  return new FerryError(cut ? 'ERR_TRUNCATED' : 'ERR_INVALID_DOCUMENT', `${where}: ${kind} data is ${cut ? 'truncated' : 'corrupt'} (${reason})`, {
    path: where,
    hint: 'the file is damaged; copy or export it again',
    cause: err,
  });
}

/** Turns a zlib stream's errors into FerryErrors without wrapping the stream (which would cost a copy). */
export function wrapErrors<T extends Transform>(stream: T, where: string, kind: Kind): T {
  const emit = stream.emit.bind(stream);
  stream.emit = ((event: string, ...args: unknown[]) =>
    event === 'error' && !(args[0] instanceof FerryError) ? emit('error', corrupt(where, kind, args[0])) : emit(event, ...args)) as typeof stream.emit;
  return stream;
}
