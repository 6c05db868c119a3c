/**
 * `ferry export --compress gzip|zstd`: the whole archive, not its blobs, is compressed on the way out, the way
 * `docker save | gzip` would; ferry's reader (and containerd's, and `docker load`) detect the wrapping.
 * Compression runs in-process only: the product never shells out to a compressor binary.
 */
import type { Transform } from 'node:stream';
import * as zlib from 'node:zlib';
import { FerryError } from '../../errors.js';

export type ArchiveCompression = 'gzip' | 'zstd';

/** zlib's default trade-off; a higher level buys a few percent on already-compressed layers at a large cost in time. */
const GZIP_LEVEL = 6;
/** Larger output chunks than zlib's 16 KiB default mean fewer, bigger writes to the file. */
const CHUNK_SIZE = 256 * 1024;

type ZstdCompressFactory = (options?: zlib.ZlibOptions) => Transform;

/**
 * A compressor to put between the archive writer and the output. Throws ERR_UNSUPPORTED when this Node has no
 * in-process zstd (zlib gained zstd in Node 22.15), so call it before anything is written.
 */
export function compressArchive(compression: ArchiveCompression): Transform {
  if (compression === 'gzip') return zlib.createGzip({ level: GZIP_LEVEL, chunkSize: CHUNK_SIZE });
  const createZstdCompress = (zlib as unknown as { createZstdCompress?: ZstdCompressFactory }).createZstdCompress;
  if (typeof createZstdCompress !== 'function') {
    throw new FerryError('ERR_UNSUPPORTED', `zstd compression is not available in Node ${process.versions.node}`, {
      hint: 'use --compress gzip, run ferry on Node 22.15 or later, or pipe the uncompressed archive through zstd',
    });
  }
  return createZstdCompress({ chunkSize: CHUNK_SIZE });
}
