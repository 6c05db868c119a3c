/**
 * `ferry export --compress gzip|zstd`: the whole archive, not its blobs, is compressed on the way out, the way
 * `docker save | gzip` would; ferry's reader (and containerd's, and `docker load`) detect the wrapping.
 * Compression runs in-process only (node:zlib, or the zstd binding); only zstd decoding may run the zstd program.
 */
import type { Transform } from 'node:stream';
import { createCompressor } from '../../oci/compression.js';

export type ArchiveCompression = 'gzip' | 'zstd';

/**
 * A compressor to put between the archive writer and the output. Throws ERR_UNSUPPORTED when no in-process
 * zstd compressor is available, so call it before anything is written.
 */
export function compressArchive(compression: ArchiveCompression): Transform {
  return createCompressor(compression, 'archive');
}
