import { spawnSync } from 'node:child_process';
import type { Duplex } from 'node:stream';
import { FerryError } from '../../errors.js';
import { corrupt } from './errors.js';
import { type ProgramExit, ProgramStage } from './program-stage.js';

/** The zstd command-line program (Debian/Fedora/Homebrew package `zstd`), found on PATH like any command. */
export const ZSTD_PROGRAM = 'zstd';

/** Fixed argv: decode stdin to stdout, no progress. ZSTD_CLEVEL and ZSTD_NBTHREADS do not affect -d. */
const DECODE_ARGS = ['-d', '-c', '-q'];

/**
 * Fixed argv for compression, so the bytes depend on the input and zstd's version alone: the level given, a
 * content checksum (what ferry's node:zlib compressor writes), one thread for I/O and compression (`-T1` runs a
 * worker beside I/O and writes different bytes), stdin to stdout, no progress.
 */
const compressArgs = (level: number) => ['--compress', `-${level}`, '--check', '--single-thread', '--quiet', '--stdout', '-'];

/** zstd reads these as defaults for the level and the thread count; the child runs without them. */
const COMPRESS_ENV_UNSET = ['ZSTD_CLEVEL', 'ZSTD_NBTHREADS'];

/** What to do when the program is wanted and not there. */
export const ZSTD_PROGRAM_HINT = 'install the zstd package (apt install zstd, dnf install zstd or brew install zstd) so that `zstd` is on PATH';

let probed: { path: string | undefined; version: string | undefined } | undefined;

/** `zstd --version` on the current PATH, asked once per PATH; undefined when the program does not run. */
function probe(): { version: string | undefined } {
  const path = process.env.PATH;
  if (probed === undefined || probed.path !== path) {
    const result = spawnSync(ZSTD_PROGRAM, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000, shell: false });
    const said = result.status === 0 ? result.stdout.toString('utf8') : '';
    probed = { path, version: /zstandard/i.test(said) ? (/\bv(\d+\.\d+\.\d+)/.exec(said)?.[1] ?? 'unknown version') : undefined };
  }
  return probed;
}

/**
 * Whether `zstd` runs here (a few milliseconds, asked only when no faster backend exists), so a missing program
 * means another backend before any input is taken.
 */
export function hasZstdProgram(): boolean {
  return probe().version !== undefined;
}

/** The zstd program's version (`1.5.4`), for `ferry version`: the bytes it compresses to depend on it. */
export function zstdProgramVersion(): string | undefined {
  return probe().version;
}

/** The last thing zstd said, without its `zstd: /*stdin*\ :` prefixes. */
function lastMessage(stderr: string): string {
  const lines = stderr.split('\n').map((line) => line.trim()).filter((line) => line !== '');
  return (lines.at(-1) ?? '').replace(/^zstd:\s*/, '').replace(/^\/\*stdin\*\\\s*:\s*/, '');
}

/** zstd says "premature end" for input cut inside a frame and "unexpected end of file" when a header is cut. */
const TRUNCATED = /premature end|unexpected end|truncat/i;

function notRun(where: string, error: NodeJS.ErrnoException, otherwise: string): FerryError {
  return new FerryError('ERR_UNSUPPORTED', `${where}: the zstd program could not be run (${error.code ?? error.message})`, {
    path: where,
    hint: `${ZSTD_PROGRAM_HINT}, or ${otherwise}`,
    cause: error,
  });
}

function decodeFailure(where: string, exit: ProgramExit): Error {
  if (exit.spawnError) return notRun(where, exit.spawnError, 'set FERRY_ZSTD_BACKEND=js');
  if (exit.signal !== null) {
    return new FerryError('ERR_INVALID_DOCUMENT', `${where}: the zstd program was killed by ${exit.signal} while decoding`, {
      path: where,
      hint: 'run ferry again; if it recurs, set FERRY_ZSTD_BACKEND=js to decode without the zstd program',
    });
  }
  if (exit.code === 0) return corrupt(where, 'zstd', new Error('zstd stopped before the end of its input'));
  const message = lastMessage(exit.stderr) || `zstd exited with status ${exit.code}`;
  return corrupt(where, 'zstd', new Error(message), TRUNCATED.test(message));
}

/**
 * Why compressing failed. The input is ferry's own bytes, so the fault is the program's (killed, out of memory
 * or disk for its buffers, a broken install): ERR_PROGRAM, never a short blob taken for the whole.
 */
function compressFailure(where: string, exit: ProgramExit): Error {
  if (exit.spawnError) return notRun(where, exit.spawnError, 'use gzip');
  const why =
    exit.signal !== null
      ? `was killed by ${exit.signal}`
      : exit.code === 0
        ? 'exited before reading all of its input'
        : `failed (${lastMessage(exit.stderr) || `exit status ${exit.code}`})`;
  return new FerryError('ERR_PROGRAM', `${where}: the zstd program ${why} while compressing`, {
    path: where,
    hint: 'run ferry again; if it recurs, check that `zstd -3 < FILE > /dev/null` works here, or use gzip',
  });
}

/**
 * Decompresses with the zstd program (`zstd -d -c -q`) in a child process: libzstd's speed (≈ 1 GB/s of output)
 * on a Node without zlib zstd, off the main thread. Errors carry the codes the other backends give for the same
 * input: ERR_TRUNCATED for a cut frame, ERR_INVALID_DOCUMENT for corrupt data.
 */
export function createZstdProgramDecompressStream(where: string): Duplex {
  return new ProgramStage(ZSTD_PROGRAM, DECODE_ARGS, (exit) => decodeFailure(where, exit));
}

/**
 * Compresses with the zstd program (`zstd -<level> --check --single-thread`) in a child process, on a Node
 * without zlib zstd. ZSTD_CLEVEL and ZSTD_NBTHREADS are removed from its environment and the argv is fixed, so
 * the user's settings cannot change the bytes written. No input still gives a frame (an empty one).
 */
export function createZstdProgramCompressStream(where: string, level: number): Duplex {
  return new ProgramStage(ZSTD_PROGRAM, compressArgs(level), (exit) => compressFailure(where, exit), { unsetEnv: COMPRESS_ENV_UNSET, runWithoutInput: true });
}
