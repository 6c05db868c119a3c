import { spawnSync } from 'node:child_process';
import type { Duplex } from 'node:stream';
import { FerryError } from '../../errors.js';
import { corrupt } from './errors.js';
import { type ProgramExit, ProgramStage } from './program-stage.js';

/** The zstd command-line program (Debian/Fedora/Homebrew package `zstd`), found on PATH like any command. */
export const ZSTD_PROGRAM = 'zstd';

/** Fixed argv: decode stdin to stdout, no progress. ZSTD_CLEVEL and ZSTD_NBTHREADS do not affect -d. */
const DECODE_ARGS = ['-d', '-c', '-q'];

/** What to do when the program is wanted and not there. */
export const ZSTD_PROGRAM_HINT = 'install the zstd package (apt install zstd, dnf install zstd or brew install zstd) so that `zstd` is on PATH';

let probed: { path: string | undefined; found: boolean } | undefined;

/**
 * Whether `zstd` runs here, asked once per PATH with `zstd --version` (a few milliseconds, only when no faster
 * backend exists), so a missing program means another backend before any input is taken.
 */
export function hasZstdProgram(): boolean {
  const path = process.env.PATH;
  if (probed === undefined || probed.path !== path) {
    const result = spawnSync(ZSTD_PROGRAM, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000, shell: false });
    probed = { path, found: result.status === 0 && /zstandard/i.test(result.stdout.toString('utf8')) };
  }
  return probed.found;
}

/** The last thing zstd said, without its `zstd: /*stdin*\ :` prefixes. */
function lastMessage(stderr: string): string {
  const lines = stderr.split('\n').map((line) => line.trim()).filter((line) => line !== '');
  return (lines.at(-1) ?? '').replace(/^zstd:\s*/, '').replace(/^\/\*stdin\*\\\s*:\s*/, '');
}

/** zstd says "premature end" for input cut inside a frame and "unexpected end of file" when a header is cut. */
const TRUNCATED = /premature end|unexpected end|truncat/i;

function decodeFailure(where: string, exit: ProgramExit): Error {
  if (exit.spawnError) {
    return new FerryError('ERR_UNSUPPORTED', `${where}: the zstd program could not be run (${exit.spawnError.code ?? exit.spawnError.message})`, {
      path: where,
      hint: `${ZSTD_PROGRAM_HINT}, or set FERRY_ZSTD_BACKEND=js`,
      cause: exit.spawnError,
    });
  }
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
 * Decompresses with the zstd program (`zstd -d -c -q`) in a child process: libzstd's speed (≈ 1 GB/s of output)
 * on a Node without zlib zstd and without zstd-napi, off the main thread. Errors carry the codes the other
 * backends give for the same input: ERR_TRUNCATED for a cut frame, ERR_INVALID_DOCUMENT for corrupt data.
 */
export function createZstdProgramDecompressStream(where: string): Duplex {
  return new ProgramStage(ZSTD_PROGRAM, DECODE_ARGS, (exit) => decodeFailure(where, exit));
}
