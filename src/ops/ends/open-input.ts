import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { ReadArchiveOptions } from '../../archive/read/index.js';
import { layoutDirectoryStream } from '../../archive/read/layout-directory.js';
import { FerryError } from '../../errors.js';
import { parseArchiveAddress, type ImagePick } from './archive-address.js';

export interface OpenedInput {
  stream: Readable;
  /** The archive in messages: its path, or `stdin`. */
  where: string;
  /** Bytes to read, when known (not for stdin). */
  size?: number;
  kind: 'file' | 'directory' | 'stdin';
  /** A file, to read again from its start: a reader may survey it before writing (see read-archive.ts). */
  reread?: { path: string; open(): Readable };
  /** The one image the address names (`:REF`, `:@N`); see pickImages. */
  pick?: ImagePick;
}

/**
 * Opens an archive named on the command line (see archive-address.ts): `-` is stdin, a directory an OCI image
 * layout. Large reads: fewer, bigger chunks are faster.
 */
export async function openInput(text: string): Promise<OpenedInput> {
  if (text === '-') return { stream: process.stdin, where: 'stdin', kind: 'stdin' };
  const address = parseArchiveAddress(text);
  const { path } = address;
  const pick = address.pick ? { pick: address.pick } : {};
  const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
    throw new FerryError('ERR_NOT_FOUND', `cannot read archive ${path}: ${err.code === 'ENOENT' ? 'no such file or directory' : err.message}`, {
      path,
      hint: 'check the path, or pass - to read the archive from stdin',
    });
  });
  if (info.isDirectory()) {
    await stat(join(path, 'index.json')).catch(() => {
      throw new FerryError('ERR_UNSUPPORTED_ARCHIVE', `${path} is a directory but not an OCI image layout (no index.json)`, {
        path,
        hint: 'name an OCI layout directory (oci:DIR, as skopeo writes it), an archive file, or - for stdin',
      });
    });
    const { stream, size } = await layoutDirectoryStream(path);
    return { stream, where: path, size, kind: 'directory', ...pick };
  }
  if (address.transport === 'oci') {
    throw new FerryError('ERR_USAGE', `oci:${path} names a file; oci: is for OCI layout directories`, { path, hint: `write oci-archive:${path} for an archive file` });
  }
  if (!info.isFile()) {
    throw new FerryError('ERR_USAGE', `${path} is not a file`, { path, hint: 'name an archive file (.tar, .tar.gz, .tar.zst), an OCI layout directory, or - for stdin' });
  }
  const open = () => createReadStream(path, { highWaterMark: 1024 * 1024 });
  return { stream: open(), where: path, size: info.size, kind: 'file', reread: { path, open }, ...pick };
}

/** How readArchive reads an opened input: its name in messages, its size and, for a file, how to read it again. */
export function readOptionsOf(input: Pick<OpenedInput, 'where' | 'size' | 'reread'>): ReadArchiveOptions {
  return { where: input.where, ...(input.size === undefined ? {} : { size: input.size }), ...(input.reread ? { reread: input.reread } : {}) };
}
