import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { expect } from 'vitest';
import type { ProgramStage } from '../../src/oci/compression/program-stage.js';

/** Sets (or, with undefined, unsets) an environment variable; the function returned puts it back. */
export function withEnv(name: string, value: string | undefined): () => void {
  const saved = process.env[name];
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
  return () => {
    if (saved === undefined) delete process.env[name];
    else process.env[name] = saved;
  };
}

/** Whether a process of that pid still exists (a reaped child does not). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * Resolves when the stage has closed: a pipeline settles on its first error, while the stage closes only once
 * the program it killed has exited and been reaped.
 */
export function closed(stage: ProgramStage): Promise<void> {
  return stage.closed ? Promise.resolve() : new Promise((resolve) => stage.once('close', () => resolve()));
}

/**
 * Feeds `chunks` through `stage` to a consumer that fails once it has taken more than `stopAfter` bytes, and checks
 * that the pipeline settles with that error and the program is killed and reaped.
 */
export async function expectConsumerStopKillsProgram(stage: ProgramStage, chunks: Iterable<Buffer>, stopAfter: number): Promise<void> {
  let pid: number | undefined;
  let received = 0;
  const done = pipeline(
    Readable.from(chunks),
    stage,
    new Writable({
      write(chunk: Buffer, _e, next) {
        pid ??= stage.pid;
        received += chunk.length;
        next(received > stopAfter ? new Error('consumer stopped') : null);
      },
    }),
  );
  await expect(done).rejects.toThrow('consumer stopped');
  await closed(stage);
  expect(pid).toBeGreaterThan(0);
  expect(isRunning(pid!)).toBe(false);
}
