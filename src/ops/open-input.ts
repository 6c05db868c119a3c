import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { FerryError } from '../errors.js';

/** Opens an archive named on the command line; `-` is stdin. Large reads: fewer, bigger chunks are faster. */
export async function openInput(path: string): Promise<{ stream: Readable; where: string; size?: number }> {
  if (path === '-') return { stream: process.stdin, where: 'stdin' };
  const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
    throw new FerryError('ERR_NOT_FOUND', `cannot read archive ${path}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`, {
      path,
      hint: 'check the path, or pass - to read the archive from stdin',
    });
  });
  if (!info.isFile()) {
    throw new FerryError('ERR_USAGE', `${path} is not a file`, { path, hint: 'name an archive file (.tar, .tar.gz, .tar.zst) or - for stdin' });
  }
  return { stream: createReadStream(path, { highWaterMark: 1024 * 1024 }), where: path, size: info.size };
}
