import type { Writable } from 'node:stream';

/**
 * Runs a command that writes one archive: into a temp file renamed on success (or stdout), removed on failure, so a
 * failed merge or split never leaves a truncated archive that looks complete.
 */
export async function writeArchiveFile<T>(path: string, write: (out: Writable) => Promise<T>): Promise<{ result: T; where: string }> {
  const { openOutput } = await import('../../ops/ends/open-output.js');
  const output = await openOutput(path);
  try {
    // The archive writer resolves once its pipeline has finished the output: every byte is handed to the file.
    const result = await write(output.stream);
    await output.commit();
    return { result, where: output.where };
  } catch (err) {
    await output.abort();
    throw err;
  }
}
