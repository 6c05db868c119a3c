import type { Writable } from 'node:stream';
import { FerryError } from '../errors.js';
import { reportError } from './output.js';

/**
 * Runs a command as the whole process and exits with its status, set explicitly: no dependency can turn it into
 * 0 (signal-exit, pulled in by proper-lockfile, overwrites `process.exitCode` on exit, so Node's own "unsettled
 * top-level await" status 13 never reaches the shell). A command whose promise is still pending when the event
 * loop drains stopped before finishing — a stream that never ended, a callback never called — and is reported as
 * an internal error (exit 70), never as success.
 */
export async function exitWhenDone(work: () => Promise<number>, command: () => string): Promise<never> {
  const onDrain = () => {
    const stopped = new FerryError('ERR_INTERNAL', `internal error: ${command()} stopped before finishing`);
    process.exit(reportError(stopped));
  };
  process.on('beforeExit', onDrain);
  const code = await work();
  process.off('beforeExit', onDrain);
  // stdout may carry an archive or JSON: let what was written reach the pipe or file before exiting.
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(code);
}

function flushed(stream: Writable): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || stream.writableEnded) return resolve();
    stream.write('', () => resolve());
  });
}
