import { FerryError } from '../errors.js';
import { escapeText } from './escape-text.js';

/** Options every command has. */
export interface GlobalOptions {
  root?: string;
  json?: boolean;
  /** No progress on stderr; `images ls`: only the names. */
  quiet?: boolean;
}

/**
 * Prints a command's result: JSON with --json (exact), else the text lines, each escaped so that no untrusted
 * string can start a line of its own or reach the terminal as a control sequence. They go to stdout unless
 * `archiveOnStdout`: when stdout carries an archive it carries only the archive, and the result goes to stderr.
 */
export function emit(argv: GlobalOptions, value: unknown, text: () => string[], opts: { archiveOnStdout?: boolean } = {}): void {
  const out = opts.archiveOnStdout ? process.stderr : process.stdout;
  if (argv.json) {
    out.write(`${JSON.stringify(value, null, 2)}\n`);
    return;
  }
  const lines = text();
  if (lines.length > 0) out.write(`${lines.map(escapeText).join('\n')}\n`);
}

/** Notes for the user that must never mix into stdout (which may carry an archive or JSON); one escaped line. */
export function note(message: string): void {
  process.stderr.write(`${escapeText(message)}\n`);
}

/**
 * Maps an error to one line on stderr and an exit code: bad input and usage are the user's to fix (exit 1 and 2);
 * ERR_INTERNAL and anything that is not a FerryError is a bug in ferry (exit 70), the latter shown with its stack
 * so it can be reported.
 */
export function reportError(err: unknown): number {
  if (err instanceof FerryError) {
    process.stderr.write(`ferry: ${escapeText(err.toLine())} (${err.code})\n`);
    return USAGE_CODES.has(err.code) ? 2 : err.code === 'ERR_INTERNAL' ? 70 : 1;
  }
  if (isUsageError(err)) {
    const command = (err as { command?: string[] }).command ?? [];
    process.stderr.write(`ferry: ${escapeText((err as Error).message)} (ERR_USAGE); see 'ferry ${[...command, '--help'].join(' ')}'\n`);
    return 2;
  }
  if (isSystemError(err)) {
    process.stderr.write(`ferry: ${escapeText(systemErrorLine(err))} (${err.code})\n`);
    return 1;
  }
  process.stderr.write(`ferry: internal error, please report it: ${internalErrorText(err)}\n`);
  return 70;
}

/** Errors in what was typed on the command line (a platform string is only ever parsed from arguments and env). */
const USAGE_CODES = new Set(['ERR_USAGE', 'ERR_INVALID_PLATFORM']);

/** The message on the error line (escaped: it may quote input), then the stack frames, which are ferry's own. */
function internalErrorText(err: unknown): string {
  if (!(err instanceof Error)) return escapeText(String(err));
  const frames = (err.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
  return [escapeText(`${err.name}: ${err.message}`), ...frames.map(escapeText)].join('\n');
}

function isUsageError(err: unknown): boolean {
  return err instanceof Error && err.name === 'YError';
}

/** Operating-system errors on user-named paths (ENOENT, EACCES, ENOSPC…) are the user's to fix, not bugs. */
function isSystemError(err: unknown): err is NodeJS.ErrnoException & { code: string } {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string' && /^E[A-Z]+$/.test((err as NodeJS.ErrnoException).code!);
}

/** What the user can do about an operating-system error, by its code. */
const SYSTEM_HINTS: Record<string, string> = {
  ENOENT: 'check the path',
  EACCES: 'check the permissions of the path, run as a user who may write there, or choose another path (--root, -o)',
  EPERM: 'check the permissions of the path, or choose another path',
  EEXIST: 'something is in the way at that path: remove it or choose another path',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EISDIR: 'the path is a directory; name a file',
  ENOTEMPTY: 'the directory is not empty: remove it or choose another one',
  ENOSPC: 'the disk is full: free space (ferry gc) or choose another path',
  EROFS: 'the filesystem is read-only: choose another path',
  EPIPE: 'the program reading ferry\'s output exited before the end (| head?); write to a file instead',
};

/** `EACCES: permission denied, open '/x'` → `permission denied: /x; <hint>` (the code follows in brackets). */
function systemErrorLine(err: NodeJS.ErrnoException & { code: string; dest?: string }): string {
  const what = err.message.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '');
  const path = err.path ? `: ${err.path}${err.dest ? ` → ${err.dest}` : ''}` : '';
  const hint = SYSTEM_HINTS[err.code];
  return `${what}${path}${hint ? `; ${hint}` : ''}`;
}
