import type { Writable } from 'node:stream';
import { openOutput } from '../../ops/open-output.js';

/**
 * Runs a command that writes one archive: into a temp file renamed on success (or stdout), removed on failure, so a
 * failed merge or split never leaves a truncated archive that looks complete.
 */
export async function writeArchiveFile<T>(path: string, write: (out: Writable) => Promise<T>): Promise<{ result: T; where: string }> {
  const output = await openOutput(path);
  try {
    const result = await write(output.stream);
    // writeArchive ends the stream; the file is complete once it has flushed.
    if (!output.stream.writableFinished) await new Promise<void>((resolve, reject) => output.stream.once('finish', resolve).once('error', reject));
    await output.commit();
    return { result, where: output.where };
  } catch (err) {
    await output.abort();
    throw err;
  }
}
