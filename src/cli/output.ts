import { FerryError } from '../errors.js';

/** Options every command has. */
export interface GlobalOptions {
  root?: string;
  json?: boolean;
}

/**
 * Prints a command's result: JSON with --json, else the text lines. They go to stdout unless `archiveOnStdout`:
 * when stdout carries an archive it carries only the archive, and the result (JSON too) goes to stderr.
 */
export function emit(argv: GlobalOptions, value: unknown, text: () => string[], opts: { archiveOnStdout?: boolean } = {}): void {
  const out = opts.archiveOnStdout ? process.stderr : process.stdout;
  if (argv.json) {
    out.write(`${JSON.stringify(value, null, 2)}\n`);
    return;
  }
  const lines = text();
  if (lines.length > 0) out.write(`${lines.join('\n')}\n`);
}

/** Notes for the user that must never mix into stdout (which may carry an archive or JSON). */
export function note(message: string): void {
  process.stderr.write(`${message}\n`);
}

/**
 * Maps an error to one line on stderr and an exit code: bad input and usage are the user's to fix (exit 1 and 2);
 * ERR_INTERNAL and anything that is not a FerryError is a bug in ferry (exit 70), the latter shown with its stack
 * so it can be reported.
 */
export function reportError(err: unknown): number {
  if (err instanceof FerryError) {
    process.stderr.write(`ferry: ${err.toLine()} (${err.code})\n`);
    return err.code === 'ERR_USAGE' ? 2 : err.code === 'ERR_INTERNAL' ? 70 : 1;
  }
  if (isUsageError(err)) {
    process.stderr.write(`ferry: ${(err as Error).message} (ERR_USAGE); see 'ferry --help'\n`);
    return 2;
  }
  if (isSystemError(err)) {
    process.stderr.write(`ferry: ${err.message} (${err.code})\n`);
    return 1;
  }
  process.stderr.write(`ferry: internal error, please report it: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return 70;
}

function isUsageError(err: unknown): boolean {
  return err instanceof Error && err.name === 'YError';
}

/** Operating-system errors on user-named paths (ENOENT, EACCES, ENOSPC…) are the user's to fix, not bugs. */
function isSystemError(err: unknown): err is NodeJS.ErrnoException & { code: string } {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string' && /^E[A-Z]+$/.test((err as NodeJS.ErrnoException).code!);
}
