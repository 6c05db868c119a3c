import { type ErrorCode, FerryError, isFerryError } from '../errors.js';

/**
 * Errors crossing from the layer worker to the thread that called applyLayer. A structured clone keeps an
 * Error's message but not its class or its own fields, so a FerryError is sent as its parts and made again: the
 * caller sees the same code, path, digest and hint as if the layer had been applied in its own thread. The errno
 * cause of a filesystem failure keeps its code and message.
 */
export interface SentError {
  message: string;
  name: string;
  stack?: string;
  code?: string;
  ferry?: { code: ErrorCode; path?: string; digest?: string; hint?: string };
  cause?: SentError;
}

export function sendableError(err: unknown): SentError {
  if (!(err instanceof Error)) return { message: String(err), name: 'Error' };
  const code = (err as NodeJS.ErrnoException).code;
  return {
    message: err.message,
    name: err.name,
    ...(err.stack === undefined ? {} : { stack: err.stack }),
    ...(typeof code === 'string' ? { code } : {}),
    ...(isFerryError(err) ? { ferry: { code: err.code, ...pick(err) } } : {}),
    ...(err.cause === undefined ? {} : { cause: sendableError(err.cause) }),
  };
}

export function receivedError(sent: SentError): Error {
  const cause = sent.cause === undefined ? undefined : receivedError(sent.cause);
  if (sent.ferry) return new FerryError(sent.ferry.code, sent.message, { ...sent.ferry, ...(cause === undefined ? {} : { cause }) });
  const err = new Error(sent.message, cause === undefined ? undefined : { cause });
  err.name = sent.name;
  if (sent.stack !== undefined) err.stack = sent.stack;
  if (sent.code !== undefined) Object.assign(err, { code: sent.code });
  return err;
}

function pick(err: FerryError): { path?: string; digest?: string; hint?: string } {
  return {
    ...(err.path === undefined ? {} : { path: err.path }),
    ...(err.digest === undefined ? {} : { digest: err.digest }),
    ...(err.hint === undefined ? {} : { hint: err.hint }),
  };
}
