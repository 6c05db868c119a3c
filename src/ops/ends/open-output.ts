import { createWriteStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import type { Writable } from 'node:stream';
import { FerryError } from '../../errors.js';
import { parseArchiveAddress } from './archive-address.js';

export interface Output {
  stream: Writable;
  where: string;
  /** Makes the file visible under its name (fsync + rename); stdout: nothing to do. */
  commit(): Promise<void>;
  /** Removes whatever was written. */
  abort(): Promise<void>;
}

/**
 * Opens an archive for writing: `-` is stdout; a file is written beside its final name and renamed on
 * success, so a failed export never leaves a truncated archive that looks complete.
 */
export async function openOutput(text: string): Promise<Output> {
  const path = outputPath(text);
  if (path === '-') {
    if (process.stdout.isTTY) {
      throw new FerryError('ERR_USAGE', 'refusing to write an archive to a terminal', { hint: 'redirect stdout to a file or a pipe, or name an output file' });
    }
    return { stream: process.stdout, where: 'stdout', commit: async () => undefined, abort: async () => undefined };
  }
  const temp = join(dirname(path), `.${basename(path)}.ferry-${process.pid}-${Date.now()}`);
  const stream = createWriteStream(temp, { highWaterMark: 1024 * 1024 });
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', (err: NodeJS.ErrnoException) =>
      reject(new FerryError('ERR_USAGE', `cannot write ${path}: ${err.code === 'ENOENT' ? 'no such directory' : err.message}`, { path })),
    );
  });
  return {
    stream,
    where: path,
    commit: async () => {
      const handle = await open(temp, 'r+');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, path);
    },
    abort: async () => {
      stream.destroy();
      await rm(temp, { force: true });
    },
  };
}

/** `oci-archive:FILE` and `docker-archive:FILE` name the file written (ferry writes one format that is both). */
function outputPath(text: string): string {
  const address = parseArchiveAddress(text);
  if (address.transport === 'oci') {
    throw new FerryError('ERR_UNSUPPORTED', `ferry writes archive files, not layout directories (${text})`, { path: text, hint: `write oci-archive:${address.path} instead` });
  }
  if (address.pick) {
    throw new FerryError('ERR_USAGE', `${text}: :REF or :@N picks an image to read`, { path: text, hint: 'name the output file alone; the images written keep their names' });
  }
  return address.path;
}
