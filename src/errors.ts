/**
 * Every failure ferry reports on purpose is a FerryError: a stable `code` callers can test, the file,
 * digest or name involved, and the fix in words. The CLI prints `ferry: <message> (<code>)` and exits non-zero;
 * anything that is not a FerryError is a bug and gets a stack trace.
 */
export type ErrorCode =
  | 'ERR_USAGE'
  | 'ERR_INVALID_DIGEST'
  | 'ERR_DIGEST_MISMATCH'
  | 'ERR_SIZE_MISMATCH'
  | 'ERR_INVALID_REFERENCE'
  | 'ERR_INVALID_PLATFORM'
  | 'ERR_INVALID_DOCUMENT'
  | 'ERR_UNSUPPORTED_MEDIA_TYPE'
  | 'ERR_UNSUPPORTED_ARCHIVE'
  | 'ERR_UNSAFE_PATH'
  | 'ERR_TRUNCATED'
  | 'ERR_TOO_LARGE'
  | 'ERR_NOT_FOUND'
  | 'ERR_BLOB_MISSING'
  | 'ERR_PLATFORM_NOT_FOUND'
  | 'ERR_INCOMPLETE'
  | 'ERR_CONFLICT'
  | 'ERR_STORE'
  | 'ERR_LOCKED'
  | 'ERR_REGISTRY'
  | 'ERR_DAEMON'
  | 'ERR_UNAUTHORIZED'
  | 'ERR_UNSUPPORTED'
  /** A program ferry runs as a stream stage (the zstd program compressing) failed or was killed. */
  | 'ERR_PROGRAM'
  /** A bug in ferry, such as a command that stopped before finishing; exits 70. */
  | 'ERR_INTERNAL';

export interface FerryErrorDetails {
  /** File or archive entry involved. */
  path?: string;
  /** Digest involved. */
  digest?: string;
  /** What the user can do about it, in words. */
  hint?: string;
  cause?: unknown;
}

export class FerryError extends Error {
  readonly code: ErrorCode;
  readonly path?: string;
  readonly digest?: string;
  readonly hint?: string;

  constructor(code: ErrorCode, message: string, details: FerryErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'FerryError';
    this.code = code;
    if (details.path !== undefined) this.path = details.path;
    if (details.digest !== undefined) this.digest = details.digest;
    if (details.hint !== undefined) this.hint = details.hint;
  }

  /** One line for stderr: what happened, then what to do. */
  toLine(): string {
    return this.hint ? `${this.message}; ${this.hint}` : this.message;
  }
}

export function isFerryError(err: unknown, code?: ErrorCode): err is FerryError {
  return err instanceof FerryError && (code === undefined || err.code === code);
}
